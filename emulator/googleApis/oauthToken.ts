/**
 * OAuth2 `POST /token`: the JWT-bearer grant (service-account keys, signed
 * assertions verified against the keys this server created) and the
 * refresh-token grant (authorized_user credentials).
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { oauthError, type GoogleApisState } from "./state";

/** The token URL google-auth-library 10 signs into every JWT assertion (`aud`), whatever token_uri says. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ACCESS_TOKEN_SECONDS = 3599;

export async function token(state: GoogleApisState, form: Record<string, string>): Promise<Record<string, unknown>> {
  if (form.grant_type === JWT_BEARER) return jwtBearerGrant(state, form.assertion);
  if (form.grant_type === "refresh_token") return refreshTokenGrant(state, form);
  throw oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${form.grant_type ?? "(missing)"}`);
}

async function jwtBearerGrant(state: GoogleApisState, assertion: string | undefined): Promise<Record<string, unknown>> {
  const claims = await verifyAssertion(state, assertion);
  const email = claims.iss as string;
  if (claims.sub !== undefined && claims.sub !== email) {
    // A different `sub` asks for domain-wide delegation, which the emulator does not model.
    throw oauthError(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method (domain-wide delegation is not emulated).");
  }
  if (typeof claims.target_audience === "string" && claims.target_audience !== "") {
    return { id_token: await state.issuer.mintIdToken({ email, audience: claims.target_audience }) };
  }
  if (!claims.scope) throw oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  return { access_token: state.issuer.mintAccessToken(email), expires_in: ACCESS_TOKEN_SECONDS, token_type: "Bearer" };
}

/** Verifies a service account's signed JWT assertion against the keys this server created. */
async function verifyAssertion(state: GoogleApisState, assertion: string | undefined): Promise<JWTPayload> {
  let kid: string | undefined;
  let iss: unknown;
  try {
    kid = decodeProtectedHeader(assertion ?? "").kid;
    iss = decodeJwt(assertion ?? "").iss;
  } catch {
    throw oauthError(400, "invalid_grant", "Invalid JWT: the assertion is not a JWT.");
  }
  // google-auth-library 10 signs without a kid, so try every key of the issuing account.
  const candidates = [...state.keys.entries()].filter(([id, key]) => key.email === iss && (kid === undefined || id === kid));
  if (candidates.length === 0) throw oauthError(400, "invalid_grant", "Invalid grant: account not found");
  const shortLived = oauthError(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
  for (const [, key] of candidates) {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion as string, key.publicKey, {
        algorithms: ["RS256"],
        audience: [GOOGLE_TOKEN_URL, `${state.url}/token`],
        requiredClaims: ["iat", "exp"],
        maxTokenAge: "3660s",
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud") {
        throw oauthError(400, "invalid_grant", `Invalid JWT: aud must be ${GOOGLE_TOKEN_URL}`);
      }
      throw shortLived;
    }
    if ((payload.exp as number) - (payload.iat as number) > 3600) throw shortLived;
    return payload;
  }
  throw oauthError(400, "invalid_grant", "Invalid JWT Signature.");
}

async function refreshTokenGrant(state: GoogleApisState, form: Record<string, string>): Promise<Record<string, unknown>> {
  const user = state.users.get(form.refresh_token ?? "");
  if (!user) throw oauthError(400, "invalid_grant", "Bad Request");
  if (form.client_id !== user.clientId || form.client_secret !== user.clientSecret) {
    throw oauthError(401, "invalid_client", "The OAuth client was not found.");
  }
  // Google ignores target_audience for user credentials: the ID token's aud is the OAuth client id.
  return {
    access_token: state.issuer.mintAccessToken(user.email),
    expires_in: ACCESS_TOKEN_SECONDS,
    scope: "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/cloud-platform",
    token_type: "Bearer",
    id_token: await state.issuer.mintIdToken({ email: user.email, audience: user.clientId, azp: user.clientId }),
  };
}
