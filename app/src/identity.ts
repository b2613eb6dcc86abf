/**
 * `/whoami`: who Cloud Run let in. The ID token is only DECODED here, never
 * verified: Cloud Run's front end already verified it and checked
 * `run.routes.invoke` before the request reached the container, and for
 * `X-Serverless-Authorization` it replaced the signature with
 * `SIGNATURE_REMOVED_BY_GOOGLE`, so re-verifying is impossible by design.
 * Nothing of the token itself (or of an app-level `Authorization` header) is
 * ever returned or logged: only decoded claims and yes/no facts.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** The signature Cloud Run puts in place of the real one on `X-Serverless-Authorization` tokens. */
export const REMOVED_SIGNATURE = "SIGNATURE_REMOVED_BY_GOOGLE";

/** Which request header carried the identity token. */
export type TokenHeader = "x-serverless-authorization" | "authorization";

/** What the token's signature segment was (the segment itself is never reported). */
export type SignatureState = "removed-by-google" | "present" | "missing";

/** The JSON body of `GET /whoami`. Field names are a contract: see docs/app.md. */
export interface WhoAmI {
  /** True when a token was found and its claims decoded. Decoded, not verified: Cloud Run verified it. */
  identityKnown: boolean;
  /** `email` claim (service accounts and users with the email scope). */
  email: string | null;
  /** `email_verified` claim. */
  emailVerified: boolean | null;
  /** `sub` claim: the principal's stable numeric id. */
  subject: string | null;
  /** `aud` claim: the service URL or a custom audience (a list when the token has several). */
  audience: string | string[] | null;
  /** `iss` claim, e.g. https://accounts.google.com. */
  issuer: string | null;
  /** `azp` claim: the OAuth client that asked for the token. */
  authorizedParty: string | null;
  /** `iat` as an ISO timestamp. */
  issuedAt: string | null;
  /** `exp` as an ISO timestamp. */
  expiresAt: string | null;
  /** The header the token came from: X-Serverless-Authorization wins when both are present, as on Cloud Run. */
  tokenHeader: TokenHeader | null;
  /** The token's signature segment, described (never echoed). */
  signature: SignatureState | null;
  /** True when the token came in X-Serverless-Authorization AND an Authorization header was also sent: that one is the app's own credential, reported only as present. */
  appAuthorizationPresent: boolean;
  /**
   * That app credential checked against this service's own (APP_TOKEN): "valid" or
   * "invalid"; null when this service has none or no app credential was sent. The
   * credential itself is never returned.
   */
  appCredential: "valid" | "invalid" | null;
  /** Why the identity is unknown (null when known). Never contains token text. */
  problem: string | null;
}

type Claims = Record<string, unknown>;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Builds the `/whoami` answer from the request headers; `appToken` is this service's
 * own credential (APP_TOKEN), if it has one. Never throws.
 */
export function whoAmI(headers: IncomingHttpHeaders, appToken?: string): WhoAmI {
  const serverless = single(headers["x-serverless-authorization"]);
  const authorization = single(headers["authorization"]);
  // As on Cloud Run: if X-Serverless-Authorization is present, it is the identity and
  // Authorization (if any) belongs to the app, untouched by Google.
  const tokenHeader: TokenHeader | null = serverless !== undefined ? "x-serverless-authorization" : authorization !== undefined ? "authorization" : null;
  const appAuthorizationPresent = serverless !== undefined && authorization !== undefined;
  const app = { appAuthorizationPresent, appCredential: appAuthorizationPresent && appToken !== undefined ? checkAppCredential(authorization, appToken) : null };
  if (tokenHeader === null) {
    return unknownIdentity(null, app, "no identity token: neither X-Serverless-Authorization nor Authorization was sent");
  }
  const headerName = tokenHeader === "authorization" ? "Authorization" : "X-Serverless-Authorization";
  const token = bearerToken(tokenHeader === "authorization" ? authorization : serverless);
  if (token === undefined) {
    return unknownIdentity(tokenHeader, app, `${headerName} is not "Bearer <ID token>"`);
  }
  const decoded = decodeJwt(token);
  if ("problem" in decoded) {
    return unknownIdentity(tokenHeader, app, `${headerName} token ${decoded.problem}`);
  }
  return { identityKnown: true, ...claimsToIdentity(decoded.claims), tokenHeader, signature: decoded.signature, ...app, problem: null };
}

/** "Bearer <APP_TOKEN>" or not, compared in constant time (digests of equal length, so the length does not leak either). */
function checkAppCredential(authorization: string | undefined, appToken: string): "valid" | "invalid" {
  const sent = bearerToken(authorization);
  if (sent === undefined) return "invalid";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(sent), digest(appToken)) ? "valid" : "invalid";
}

/** The token after `Bearer ` (scheme case-insensitive), or undefined if the value is not a bearer credential. */
export function bearerToken(value: string | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value ?? "");
  return match?.[1];
}

/**
 * Decodes a JWT's payload without verifying it. Returns a problem (without any
 * token text) when the value is not a JWT: wrong number of segments, segments
 * that are not base64url, or a header/payload that is not a JSON object.
 */
export function decodeJwt(token: string): { claims: Claims; signature: SignatureState } | { problem: string } {
  const segments = token.split(".");
  if (segments.length !== 3) return { problem: `is not a JWT (expected 3 dot-separated segments, got ${segments.length})` };
  const [header, payload, signature] = segments;
  if (!BASE64URL.test(header) || !BASE64URL.test(payload)) return { problem: "is not a JWT (header or payload is not base64url)" };
  const decodedHeader = parseJsonObject(header);
  const claims = parseJsonObject(payload);
  if (!decodedHeader) return { problem: "is not a JWT (header is not a JSON object)" };
  if (!claims) return { problem: "is not a JWT (payload is not a JSON object)" };
  return { claims, signature: signatureState(signature) };
}

function signatureState(signature: string): SignatureState {
  if (signature === REMOVED_SIGNATURE) return "removed-by-google";
  return signature === "" ? "missing" : "present";
}

function parseJsonObject(segment: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}

function claimsToIdentity(claims: Claims): Pick<WhoAmI, "email" | "emailVerified" | "subject" | "audience" | "issuer" | "authorizedParty" | "issuedAt" | "expiresAt"> {
  return {
    email: stringClaim(claims.email),
    emailVerified: typeof claims.email_verified === "boolean" ? claims.email_verified : null,
    subject: stringClaim(claims.sub),
    audience: audienceClaim(claims.aud),
    issuer: stringClaim(claims.iss),
    authorizedParty: stringClaim(claims.azp),
    issuedAt: timeClaim(claims.iat),
    expiresAt: timeClaim(claims.exp),
  };
}

function unknownIdentity(tokenHeader: TokenHeader | null, app: Pick<WhoAmI, "appAuthorizationPresent" | "appCredential">, problem: string): WhoAmI {
  return {
    identityKnown: false,
    email: null,
    emailVerified: null,
    subject: null,
    audience: null,
    issuer: null,
    authorizedParty: null,
    issuedAt: null,
    expiresAt: null,
    tokenHeader,
    signature: null,
    ...app,
    problem,
  };
}

function stringClaim(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function audienceClaim(value: unknown): string | string[] | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  return null;
}

function timeClaim(value: unknown): string | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
