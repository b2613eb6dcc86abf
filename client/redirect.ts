/**
 * Redirects for requests that carry a token. fetch's own `redirect: "follow"` would
 * send the request, Authorization and X-Serverless-Authorization included, to any
 * origin a Location names; an ID token or access token must only ever reach the
 * origin it was meant for. So the client fetches with `redirect: "manual"` and
 * follows here only redirects that stay on the original origin, with fetch's own
 * method rules (https://fetch.spec.whatwg.org/#http-redirect-fetch):
 *   - 303: any method but GET/HEAD becomes GET, without its body;
 *   - 301/302: POST becomes GET, without its body;
 *   - 307/308: method and body kept (a stream body cannot be sent twice: not followed).
 * A redirect to another origin is handed back to the caller unfollowed.
 */
import { InvokeError } from "./errors";

/** Hops followed before giving up (fetch's own limit is 20; a service needs far fewer). */
export const MAX_REDIRECTS = 10;

/** Headers that describe a body, dropped with it (fetch's "request-body-header names", plus Content-Length). */
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type", "content-length"];

/** Whether `status` is a redirect fetch would follow. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The next request of a redirect. */
export interface Hop {
  url: URL;
  init: RequestInit;
}

/**
 * The request to make after `response` (a redirect), or undefined to hand the
 * response back: no usable Location, another origin than `origin`, or a body
 * that cannot be sent again.
 */
export function nextHop(response: Response, from: URL, init: RequestInit, origin: string, bodyIsStream: boolean): Hop | undefined {
  const location = response.headers.get("location");
  if (location === null) return undefined;
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  const method = (init.method ?? "GET").toUpperCase();
  const becomesGet = (response.status === 303 && method !== "GET" && method !== "HEAD") || ((response.status === 301 || response.status === 302) && method === "POST");
  if (becomesGet) return { url, init: { ...init, method: "GET", body: undefined, headers: withoutBodyHeaders(init.headers) } };
  if (init.body != null && bodyIsStream) return undefined;
  return { url, init };
}

function withoutBodyHeaders(headersInit: RequestInit["headers"]): Headers {
  const headers = new Headers(headersInit);
  for (const name of BODY_HEADERS) headers.delete(name);
  return headers;
}

/** What {@link followRedirects} needs of the attempt. */
export interface RedirectContext {
  /** The URL first requested: its origin is the only one followed. */
  target: URL;
  /** The first request, as sent (with its token header and signal). */
  request: RequestInit;
  /** The caller's `redirect` option: "error" refuses every redirect ("manual" never gets here). */
  mode: RequestInit["redirect"];
  bodyIsStream: boolean;
  /** For the InvokeError of a loop. */
  attempt: number;
}

/**
 * Follows `response` (a redirect) while it stays on the target's origin; returns the
 * first answer that is not a followable redirect. Throws on redirect: "error" and
 * after {@link MAX_REDIRECTS} hops.
 */
export async function followRedirects(doFetch: typeof fetch, response: Response, context: RedirectContext): Promise<Response> {
  let url = context.target;
  let request = context.request;
  for (let hops = 0; isRedirectStatus(response.status); hops++) {
    const where = `${url.origin}${url.pathname}`;
    if (context.mode === "error") {
      await response.body?.cancel().catch(() => undefined);
      throw new InvokeError(`${response.status} redirect from ${where} refused (redirect: "error")`, 'pass redirect: "follow" to follow same-origin redirects, or call the final URL', response.status, where, context.attempt);
    }
    const hop = nextHop(response, url, request, context.target.origin, context.bodyIsStream);
    if (!hop) return response;
    if (hops >= MAX_REDIRECTS) {
      await response.body?.cancel().catch(() => undefined);
      throw new InvokeError(`more than ${MAX_REDIRECTS} redirects from ${where}`, "the service redirects in a loop: call the final URL, or fix the service's redirects", response.status, where, context.attempt);
    }
    await response.body?.cancel().catch(() => undefined); // free the socket before the next hop
    url = hop.url;
    request = hop.init;
    response = await doFetch(url.href, request);
  }
  return response;
}
