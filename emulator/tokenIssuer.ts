import { createHash, createPublicKey, randomBytes, type KeyObject } from "node:crypto";
import { SignJWT, createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { newSigningKeyPair } from "./keys";

/** Options of {@link TokenIssuer}. */
export interface TokenIssuerOptions {
  /** `iss` of the ID tokens it mints. @default "https://accounts.google.com" */
  issuer?: string;
}

/** What goes into a minted ID token. */
export interface MintIdTokenOptions {
  /** The principal's email (`email` claim; `sub` defaults to a stable numeric id derived from it). */
  email: string;
  /** `aud` claim, e.g. the service's URL. */
  audience: string;
  /** Lifetime from `issuedAt`. @default 3600 */
  expiresInSeconds?: number;
  /** `iat` in epoch seconds (set it in the past to mint an expired token). @default now */
  issuedAt?: number;
  /** @default a stable 21-digit id derived from `email`, like a Google account's unique id */
  sub?: string;
  /** @default `sub` (what Google sets for service accounts) */
  azp?: string;
  /** Leave out the `email` claim (IAM Credentials' generateIdToken with includeEmail: false). @default true */
  includeEmail?: boolean;
}

/** Google's own issuer: both spellings appear in real ID tokens. */
const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];

/** Google caps ID and access tokens at one hour; the emulator does the same. */
const MAX_LIFETIME_SECONDS = 3600;

interface AccessTokenRecord {
  email: string;
  expiresAtMs: number;
}

/** Epoch seconds now. */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The unique id Google would give an account: 21 digits, stable per email, so
 * `sub` stays the same across tokens as it does on the real platform.
 */
export function uniqueIdFor(email: string): string {
  const digest = createHash("sha256").update(email.toLowerCase()).digest();
  const digits = BigInt(`0x${digest.subarray(0, 9).toString("hex")}`).toString().padStart(20, "0").slice(-20);
  return `1${digits}`;
}

/**
 * A local stand-in for Google's token issuer: an RS256 key pair with a `kid`,
 * ID tokens signed with it (via jose), opaque `ya29.` access tokens it
 * remembers, and its public JWKS for verifiers.
 */
export class TokenIssuer {
  /** The `iss` claim of every ID token this issuer mints. */
  readonly issuer: string;
  /** The `kid` of the signing key, as found in the JWT header and the JWKS. */
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: JWK;
  /** Built once: jose caches the imported public key inside it. */
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly emailsBySubject = new Map<string, string>();

  constructor(options: TokenIssuerOptions = {}) {
    this.issuer = options.issuer ?? "https://accounts.google.com";
    // A fresh key pair per issuer (emulator/keys.ts), made synchronously so jwks() can be synchronous; jose does all JWT work.
    const { privateKey, publicKey } = newSigningKeyPair();
    this.privateKey = privateKey;
    this.keyId = randomBytes(20).toString("hex");
    this.publicJwk = { ...(publicKey.export({ format: "jwk" }) as JWK), kid: this.keyId, alg: "RS256", use: "sig" };
    this.keySet = createLocalJWKSet(this.jwks());
  }

  /** Mints a signed RS256 ID token with Google's claims (iss, aud, sub, azp, email, email_verified, iat, exp). */
  async mintIdToken(options: MintIdTokenOptions): Promise<string> {
    const issuedAt = options.issuedAt ?? nowSeconds();
    const sub = options.sub ?? uniqueIdFor(options.email);
    this.emailsBySubject.set(sub, options.email);
    const claims: JWTPayload = { azp: options.azp ?? sub };
    if (options.includeEmail !== false) Object.assign(claims, { email: options.email, email_verified: true });
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: this.keyId, typ: "JWT" })
      .setIssuer(this.issuer)
      .setAudience(options.audience)
      .setSubject(sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (options.expiresInSeconds ?? MAX_LIFETIME_SECONDS))
      .sign(this.privateKey);
  }

  /** Mints an opaque `ya29.` access token for `email`, remembered until it expires. */
  mintAccessToken(email: string, options: { expiresInSeconds?: number } = {}): string {
    this.forgetExpiredAccessTokens();
    const lifetime = Math.min(options.expiresInSeconds ?? MAX_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS);
    const token = `ya29.${randomBytes(48).toString("base64url")}`;
    this.accessTokens.set(token, { email, expiresAtMs: Date.now() + lifetime * 1000 });
    return token;
  }

  /** The email an access token was minted for, or undefined if unknown or expired. */
  identityForAccessToken(token: string): string | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.expiresAtMs <= Date.now()) return undefined;
    return record.email;
  }

  /** The email behind a `sub` this issuer minted a token for (tokens minted without the email claim). */
  emailForSubject(sub: string): string | undefined {
    return this.emailsBySubject.get(sub);
  }

  /** The public keys, as a JWKS document (what https://www.googleapis.com/oauth2/v3/certs serves). */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  /** The public key as SPKI PEM, keyed by kid (the shape of https://www.googleapis.com/oauth2/v1/certs). */
  pemCerts(): Record<string, string> {
    const pem = createPublicKey(this.privateKey).export({ format: "pem", type: "spki" }).toString();
    return { [this.keyId]: pem };
  }

  /**
   * Verifies an ID token as Google's front end does: RS256 signature via the
   * JWKS, `exp`, `iat` (present, not in the future), `aud` (one of `audiences`)
   * and `iss`. Throws an Error whose message names the failed check and never
   * contains the token. `keys`: where the public keys come from instead of this
   * object's own copy, e.g. jose's createRemoteJWKSet on a published JWKS URL.
   */
  async verifyIdToken(token: string, options: { audiences: string[]; keys?: JWTVerifyGetKey }): Promise<JWTPayload> {
    const issuers = GOOGLE_ISSUERS.includes(this.issuer) ? GOOGLE_ISSUERS : [this.issuer];
    try {
      const { payload } = await jwtVerify(token, options.keys ?? this.keySet, {
        algorithms: ["RS256"],
        issuer: issuers,
        audience: options.audiences,
        requiredClaims: ["exp", "iat", "sub"],
      });
      if ((payload.iat ?? 0) > nowSeconds() + 60) throw new Error("ID token rejected: iat is in the future");
      return payload;
    } catch (error) {
      throw new Error(describeVerificationFailure(error, token));
    }
  }

  private forgetExpiredAccessTokens(): void {
    const now = Date.now();
    for (const [token, record] of this.accessTokens) if (record.expiresAtMs <= now) this.accessTokens.delete(token);
  }
}

/** A reason a human can act on, without the token itself. */
function describeVerificationFailure(error: unknown, token: string): string {
  if (error instanceof joseErrors.JWTExpired) return "ID token rejected: expired (exp is in the past)";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return `ID token rejected: wrong audience (aud ${JSON.stringify(audienceOf(token))})`;
    if (error.claim === "iss") return "ID token rejected: unexpected issuer (iss)";
    return `ID token rejected: claim ${error.claim} failed (${error.reason})`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "ID token rejected: bad signature";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "ID token rejected: signed by an unknown key (kid)";
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return `ID token rejected: the signing keys could not be fetched (${error.code})`;
  if (error instanceof joseErrors.JOSEError) return `ID token rejected: malformed (${error.code})`;
  if (error instanceof Error && error.message.startsWith("ID token rejected")) return error.message;
  return "ID token rejected: malformed";
}

/** The `aud` claim of a (structurally valid) JWT, for error messages; audiences are not secret. */
function audienceOf(token: string): unknown {
  try {
    return decodeJwt(token).aud;
  } catch {
    return undefined;
  }
}
