/**
 * Token hygiene. Every message this library builds from text it did not write
 * (HTTP bodies, google-auth-library errors) goes through {@link redact}, so no
 * ID token, access token or bearer credential reaches a log, an error or a report.
 */

/** A JWT: three base64url segments, the first starting with `{"` encoded (eyJ). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
/** Google OAuth access tokens. */
const ACCESS_TOKEN = /ya29\.[A-Za-z0-9_.~+/=-]+/g;
/** Whatever follows "Bearer", whoever issued it. */
const BEARER = /(Bearer\s+)(?!\[redacted)[^\s"',;]+/gi;
/** OAuth refresh tokens and client secrets as gcloud writes them. */
const REFRESH_TOKEN = /1\/\/[A-Za-z0-9_-]{20,}/g;

/** Returns `text` with every token-shaped substring replaced by a placeholder. */
export function redact(text: string): string {
  return text
    .replace(JWT, "[redacted JWT]")
    .replace(ACCESS_TOKEN, "[redacted access token]")
    .replace(REFRESH_TOKEN, "[redacted refresh token]")
    .replace(BEARER, "$1[redacted]");
}

/** The message of any thrown value, redacted; never its `config`, headers or cause. */
export function safeMessage(error: unknown): string {
  // Duck-typed: errors may come from another realm (vm contexts, jest).
  const message = (error as { message?: unknown } | null)?.message;
  return redact(typeof message === "string" ? message : String(error));
}
