/**
 * Which header carries the ID token. Cloud Run checks `X-Serverless-Authorization`
 * when present (and then passes `Authorization` to the app untouched), otherwise
 * `Authorization`.
 */

/** `auto`: Authorization, unless the caller already set Authorization for its own token. */
export type HeaderMode = "auto" | "authorization" | "x-serverless";
/** The header actually used for one request. */
export type TokenHeader = "authorization" | "x-serverless-authorization";

export const HEADER_MODES: readonly HeaderMode[] = ["auto", "authorization", "x-serverless"];

/** Resolves a mode against the request's own headers. Pure. */
export function selectTokenHeader(mode: HeaderMode, headers: Headers): TokenHeader {
  switch (mode) {
    case "authorization":
      return "authorization";
    case "x-serverless":
      return "x-serverless-authorization";
    case "auto":
      return headers.has("authorization") ? "x-serverless-authorization" : "authorization";
  }
}

/**
 * Returns a copy of `init` headers with the ID token set in the right header.
 * Throws if mode `authorization` would overwrite the caller's own Authorization
 * (that token would silently never reach the app).
 */
export function withIdToken(headersInit: ConstructorParameters<typeof Headers>[0], idToken: string, mode: HeaderMode): Headers {
  const headers = new Headers(headersInit);
  const header = selectTokenHeader(mode, headers);
  if (header === "authorization" && headers.has("authorization")) {
    throw new RangeError(
      'headerMode: "authorization" would replace the Authorization header you set; use headerMode "auto" or "x-serverless" so Cloud Run reads the ID token from X-Serverless-Authorization',
    );
  }
  headers.set(header, `Bearer ${idToken}`);
  return headers;
}

/**
 * The request headers for one call: {@link withIdToken}'s result, except that a call
 * with no headers of its own gets a shared, frozen `{ header: "Bearer …" }` object per
 * token instead of a new Headers each time (fetch only reads it).
 */
export function headersWithIdToken(headersInit: ConstructorParameters<typeof Headers>[0], idToken: string, mode: HeaderMode): Headers | Readonly<Record<string, string>> {
  if (headersInit !== undefined) return withIdToken(headersInit, idToken, mode);
  const header: TokenHeader = mode === "x-serverless" ? "x-serverless-authorization" : "authorization";
  // Keyed by the token itself: the same string object call after call, so its hash is cached.
  const cache = tokenOnlyHeaders[header];
  let headers = cache.get(idToken);
  if (!headers) {
    // Tokens change about hourly per audience: a small map that is emptied when full is enough.
    if (cache.size >= TOKEN_ONLY_HEADERS_KEPT) cache.clear();
    headers = Object.freeze({ [header]: `Bearer ${idToken}` });
    cache.set(idToken, headers);
  }
  return headers;
}

const tokenOnlyHeaders: Record<TokenHeader, Map<string, Readonly<Record<string, string>>>> = { authorization: new Map(), "x-serverless-authorization": new Map() };
const TOKEN_ONLY_HEADERS_KEPT = 32;

/** Validates a header mode given by a person (CLI flag, config). */
export function parseHeaderMode(value: string, key = "headerMode"): HeaderMode {
  if ((HEADER_MODES as readonly string[]).includes(value)) return value as HeaderMode;
  throw new RangeError(`${key}: "${value}" is not a header mode; use one of ${HEADER_MODES.join(", ")}`);
}
