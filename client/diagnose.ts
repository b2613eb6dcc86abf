/**
 * Turns Cloud Run front-end refusals into "what to do next", using only the
 * token's public claims (never the token itself). Pure.
 */
import { decodeJwt } from "jose";

/** Public claims of an ID token, for diagnosis and reports. */
export interface TokenClaims {
  email?: string;
  aud?: string | string[];
  exp?: number;
  iss?: string;
}

/** Decodes claims without verifying; undefined when the text is not a JWT (e.g. a ya29 access token). */
export function claimsOf(token: string): TokenClaims | undefined {
  try {
    const payload = decodeJwt(token);
    return { email: stringClaim(payload.email), aud: payload.aud, exp: payload.exp, iss: payload.iss };
  } catch {
    return undefined;
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Origins match with or without a trailing slash (Google samples use both). */
export function sameAudience(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * Likely causes of a 401 from Cloud Run, most specific first. `serviceOrigin` is
 * the URL's origin, the audience Cloud Run always accepts; any other `aud` must
 * be one of the service's customAudiences.
 */
export function explainUnauthorized(token: string | undefined, serviceOrigin: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  if (token === undefined) return "the request carried no usable token";
  if (token.startsWith("ya29.")) return "an OAuth access token was sent; Cloud Run accepts only Google-signed ID tokens (mint one for the service URL)";
  const claims = claimsOf(token);
  if (!claims) return "the token is not a JWT; Cloud Run accepts only Google-signed ID tokens";
  if (claims.exp !== undefined && claims.exp <= nowSeconds) return `the ID token expired at ${new Date(claims.exp * 1000).toISOString()}; mint a fresh one`;
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  if (!audiences.some((aud) => sameAudience(aud, serviceOrigin))) {
    return `wrong audience: the token's aud is ${JSON.stringify(claims.aud)}, not this service's URL "${serviceOrigin}", and Cloud Run did not accept it as a custom audience; mint the token for "${serviceOrigin}" (drop --audience) or add the audience to the service's customAudiences`;
  }
  return "Cloud Run rejected the ID token: check that the audience is the service URL or a configured custom audience, that the token is not expired, and that it is an ID token (not an access token)";
}

/** Cloud Run's two 403s: no token at all, or a principal without run.routes.invoke. */
export function explainForbidden(body: string, email: string | undefined, url: string): string {
  if (/not authenticated/i.test(body)) {
    return "Cloud Run saw no token: send the ID token in Authorization or X-Serverless-Authorization";
  }
  const who = email ? `${email}` : "the caller";
  const member = email ? (email.endsWith("gserviceaccount.com") ? `serviceAccount:${email}` : `user:${email}`) : "MEMBER";
  return (
    `${who} is not allowed to invoke ${new URL(url).origin}: add ${member} to the service's invokers ` +
    `(roles/run.invoker) and run pulumi up; a fresh grant takes ~2 minutes, sometimes 7 or more, to propagate (the smoke test waits up to --timeout)`
  );
}
