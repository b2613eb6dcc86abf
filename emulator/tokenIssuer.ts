import type { JWK, JWTPayload } from "jose";

/** Options of {@link TokenIssuer}. */
export interface TokenIssuerOptions {
  /** `iss` of the ID tokens it mints. @default "https://accounts.google.com" */
  issuer?: string;
}

/** What goes into a minted ID token. */
export interface MintIdTokenOptions {
  /** The principal's email (`email` claim; `sub` defaults to a stable id derived from it). */
  email: string;
  /** `aud` claim, e.g. the service's URL. */
  audience: string;
  /** Lifetime from `issuedAt`. @default 3600 */
  expiresInSeconds?: number;
  /** `iat` in epoch seconds (set it in the past to mint an expired token). @default now */
  issuedAt?: number;
  sub?: string;
  azp?: string;
}

/**
 * A local stand-in for Google's token issuer: an RS256 key pair with a `kid`,
 * ID tokens signed with it, opaque `ya29.` access tokens it remembers, and its
 * public JWKS for verifiers.
 */
export class TokenIssuer {
  /** The `iss` claim of every ID token this issuer mints. */
  readonly issuer: string;

  constructor(options: TokenIssuerOptions = {}) {
    this.issuer = options.issuer ?? "https://accounts.google.com";
    throw new Error("not implemented");
  }

  /** Mints a signed RS256 ID token. */
  async mintIdToken(_options: MintIdTokenOptions): Promise<string> {
    throw new Error("not implemented");
  }

  /** Mints an opaque `ya29.` access token for `email`, remembered until it expires. */
  mintAccessToken(_email: string, _options: { expiresInSeconds?: number } = {}): string {
    throw new Error("not implemented");
  }

  /** The email an access token was minted for, or undefined if unknown or expired. */
  identityForAccessToken(_token: string): string | undefined {
    throw new Error("not implemented");
  }

  /** The public keys, as a JWKS document. */
  jwks(): { keys: JWK[] } {
    throw new Error("not implemented");
  }

  /** Verifies signature (via the JWKS), `exp`, `iat`, `aud` and `iss`; throws on failure. */
  async verifyIdToken(_token: string, _options: { audiences: string[] }): Promise<JWTPayload> {
    throw new Error("not implemented");
  }
}
