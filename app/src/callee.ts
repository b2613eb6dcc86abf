/**
 * `GET /call`: this service calls the one service it is configured to call, as in
 * Cloud Run's service-to-service case where the app already uses `Authorization`
 * for its own credential: the ID token (minted for the callee by the metadata
 * server) goes in `X-Serverless-Authorization`, the app's own credential
 * (`APP_TOKEN`, a secret) in `Authorization`
 * (https://cloud.google.com/run/docs/authenticating/service-to-service).
 *
 * The callee comes from configuration only (`CALLEE_URL`, which the stack sets from
 * the callee's URL). Nothing of the incoming request (path, query, headers, host)
 * reaches the outgoing one, the path called is fixed, and no redirect is followed
 * (a redirect would carry the token to another origin): the route is not a proxy.
 */
import { ConfigError } from "./configError";
import { fetchFailureCode } from "./fetchFailure";
import type { IdTokenSource } from "./idTokens";
import { IdTokenError } from "./idTokens";

/** The one service this service calls. */
export interface CalleeSettings {
  /** `scheme://host[:port]`: the token is sent here and nowhere else. */
  origin: string;
  /** The `aud` the ID token is minted for: `CALLEE_AUDIENCE`, else the origin (a service's URL is always an accepted audience). */
  audience: string;
}

/** The callee's path: its `/whoami` says who Cloud Run let in, so the call shows what the callee saw. */
export const CALLEE_PATH = "/whoami";
/** How long the whole call may take. */
export const CALL_TIMEOUT_MS = 10_000;
/** The most of the callee's answer that is read. */
export const CALLEE_BODY_LIMIT_BYTES = 64 * 1024;

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Reads `CALLEE_URL` (and `CALLEE_AUDIENCE`): undefined when this service calls
 * nothing. Only an origin is accepted: https, or http to a loopback address (the
 * local rehearsal); no user:password, path, query or fragment.
 */
export function calleeSettings(env: NodeJS.ProcessEnv): CalleeSettings | undefined {
  const raw = env.CALLEE_URL?.trim();
  const rawAudience = env.CALLEE_AUDIENCE?.trim();
  if (!raw) {
    if (rawAudience) throw new ConfigError("CALLEE_AUDIENCE is set but CALLEE_URL is not; set CALLEE_URL to the service to call, or unset CALLEE_AUDIENCE");
    return undefined;
  }
  const origin = parseOrigin(raw);
  return { origin, audience: rawAudience ? parseAudience(rawAudience) : origin };
}

const CALLEE_FIX = "set CALLEE_URL to the callee's service URL, e.g. https://api-abc123-de.a.run.app (the stack sets it from the callee's url)";

function parseOrigin(raw: string): string {
  const url = parseUrl(raw);
  if (!url) throw new ConfigError(`CALLEE_URL=${JSON.stringify(raw)} is not a URL; ${CALLEE_FIX}`);
  // Not quoted: the value holds a password.
  if (url.username || url.password) throw new ConfigError(`CALLEE_URL holds user:password; remove the credentials (the call authenticates with an ID token); ${CALLEE_FIX}`);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(`CALLEE_URL=${JSON.stringify(raw)} is not https: an ID token is only sent over TLS (plain http only to 127.0.0.1 or localhost); ${CALLEE_FIX}`);
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || raw.endsWith("?") || raw.endsWith("#")) {
    throw new ConfigError(`CALLEE_URL=${JSON.stringify(raw)} has a path, query or fragment; give the service's URL only (the route calls ${CALLEE_PATH}); ${CALLEE_FIX}`);
  }
  return url.origin;
}

function parseAudience(raw: string): string {
  const url = parseUrl(raw);
  if (!url || url.protocol !== "https:" || url.username || url.password) {
    throw new ConfigError(`CALLEE_AUDIENCE=${JSON.stringify(url?.username || url?.password ? "(a URL with credentials)" : raw)} is not an https URL without credentials; set it to one of the callee's custom audiences, or unset it to use CALLEE_URL`);
  }
  return raw;
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** What the callee said about the caller (fields of its `/whoami`; nothing else of its answer is relayed). */
export interface CalleeView {
  email: string | null;
  audience: string | string[] | null;
  tokenHeader: string | null;
  signature: string | null;
  appAuthorizationPresent: boolean | null;
  appCredential: string | null;
}

/** How one call went. */
export type CallOutcome =
  | { kind: "answered"; status: number; saw: CalleeView | null }
  | { kind: "no-token"; reason: string }
  | { kind: "unreachable"; reason: string; timedOut: boolean };

/** What the call needs besides the settings. */
export interface CallDeps {
  tokens: IdTokenSource;
  /** The app's own credential, sent in `Authorization` when set. */
  appToken?: string;
  timeoutMs?: number;
}

/** One call to the callee's fixed path, with the two headers and nothing else of the caller's. */
export async function callCallee(callee: CalleeSettings, deps: CallDeps): Promise<CallOutcome> {
  let idToken: string;
  try {
    idToken = await deps.tokens.token(callee.audience);
  } catch (error) {
    return { kind: "no-token", reason: error instanceof IdTokenError ? error.message : `could not get an ID token (${(error as Error)?.name ?? "error"})` };
  }
  const headers: Record<string, string> = { Accept: "application/json", "X-Serverless-Authorization": `Bearer ${idToken}` };
  if (deps.appToken !== undefined) headers.Authorization = `Bearer ${deps.appToken}`;
  let response: Response;
  try {
    // redirect "manual": a 3xx is returned as it is, never followed with the token.
    response = await fetch(new URL(CALLEE_PATH, callee.origin), { headers, redirect: "manual", signal: AbortSignal.timeout(deps.timeoutMs ?? CALL_TIMEOUT_MS) });
  } catch (error) {
    const reason = fetchFailureCode(error);
    return { kind: "unreachable", reason, timedOut: reason === "TimeoutError" };
  }
  const ok = response.status >= 200 && response.status < 300;
  const text = ok ? await readLimited(response, CALLEE_BODY_LIMIT_BYTES) : (await response.body?.cancel(), undefined);
  return { kind: "answered", status: response.status, saw: text === undefined ? null : calleeView(text) };
}

/** Up to `limit` bytes of the body as text (undefined when it is larger: not read further). */
async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The `/whoami` fields worth relaying, each type-checked; anything else is dropped. */
function calleeView(text: string): CalleeView | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null;
  const field = (name: string) => (body as Record<string, unknown>)[name];
  const str = (name: string) => (typeof field(name) === "string" ? (field(name) as string) : null);
  const audience = field("audience");
  return {
    email: str("email"),
    audience: typeof audience === "string" || (Array.isArray(audience) && audience.every((a) => typeof a === "string")) ? (audience as string | string[]) : null,
    tokenHeader: str("tokenHeader"),
    signature: str("signature"),
    appAuthorizationPresent: typeof field("appAuthorizationPresent") === "boolean" ? (field("appAuthorizationPresent") as boolean) : null,
    appCredential: str("appCredential"),
  };
}

/** The `/call` answer for an outcome: status and JSON body (never a token, never the app credential). */
export function callResponse(callee: CalleeSettings, outcome: CallOutcome): { status: number; body: Record<string, unknown> } {
  const target = `${callee.origin}${CALLEE_PATH}`;
  if (outcome.kind === "no-token") return { status: 502, body: { error: "no_id_token", message: `no ID token for ${callee.audience}: ${outcome.reason}`, callee: callee.origin } };
  if (outcome.kind === "unreachable") {
    return outcome.timedOut
      ? { status: 504, body: { error: "callee_timeout", message: `${target} did not answer in time`, callee: callee.origin } }
      : { status: 502, body: { error: "callee_unreachable", message: `${target} unreachable: ${outcome.reason}`, callee: callee.origin } };
  }
  if (outcome.status >= 200 && outcome.status < 300) return { status: 200, body: { callee: callee.origin, calleeStatus: outcome.status, calleeSaw: outcome.saw } };
  const message =
    outcome.status >= 300 && outcome.status < 400
      ? `${target} answered ${outcome.status} (a redirect): not followed, the ID token is only for ${callee.origin}`
      : `${target} answered ${outcome.status}`;
  return { status: 502, body: { error: outcome.status >= 300 && outcome.status < 400 ? "callee_redirected" : "callee_refused", message, callee: callee.origin, calleeStatus: outcome.status } };
}
