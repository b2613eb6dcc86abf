/**
 * The HTTP service's request handling, on plain node:http: routes, JSON errors and
 * the body limit. Per-request access lines only with REQUEST_LOGS=on (Cloud Run's
 * own request log has the same facts); the lines the app writes either way (a client
 * that went away, an unexpected error) carry the request's trace.
 *
 * The common request (a GET without a body on a known path) is answered without a
 * promise, a URL parse or a header object built per request: this runs on every request.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { callCallee, callResponse, type CalleeSettings } from "./callee";
import type { IdTokenSource } from "./idTokens";
import { whoAmI } from "./identity";
import { redactQuery, type Logger, type Severity } from "./log";
import { traceLogFields } from "./trace";

/** Largest request body accepted (bytes). The routes take no body; this only bounds what a client can make the server read. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Methods every route accepts. */
export const ALLOWED_METHODS: readonly string[] = ["GET", "HEAD"];

/** What the handler needs from the running server. */
export interface AppContext {
  /** `K_SERVICE`, or null when not on Cloud Run. */
  service: string | null;
  /** `K_REVISION`, or null when not on Cloud Run. */
  revision: string | null;
  /** The app version reported by /health. */
  version: string;
  log: Logger;
  /** The project id for trace correlation, once known. */
  projectId: () => string | undefined;
  /** True after SIGTERM: responses then close their connection. */
  shuttingDown: () => boolean;
  /** One access line per request (REQUEST_LOGS=on). @default false */
  requestLogs?: boolean;
  /** Called once per request when its response is closed, sent or not (in-flight tracking). */
  onClosed?: () => void;
  /** The service `GET /call` calls (CALLEE_URL) and where its ID tokens come from; without it, /call answers 404. */
  callee?: { settings: CalleeSettings; tokens: IdTokenSource };
  /** The app's own credential (APP_TOKEN): sent by /call in `Authorization`, checked by /whoami. Never logged or returned. */
  appToken?: string;
}

/** The JSON body of `GET /health` and `GET /health/`. */
export interface Health {
  status: "ok";
  service: string | null;
  revision: string | null;
  version: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  /** A stable machine-readable code, e.g. `not_found`. */
  error: string;
  /** What went wrong and what to do instead. */
  message: string;
}

/** A route answers 200 with its JSON body, already serialised; a route that waits on I/O answers later, with its status. */
type Route = (req: IncomingMessage) => string | Promise<{ status: number; json: string }>;

/** The route table for one server: /health's body never changes, so it is serialised once. */
function routesFor(ctx: AppContext): Readonly<Record<string, Route>> {
  const healthBody: Health = { status: "ok", service: ctx.service, revision: ctx.revision, version: ctx.version };
  const healthJson = JSON.stringify(healthBody);
  const health: Route = () => healthJson;
  const whoami: Route = (req) => JSON.stringify(whoAmI(req.headers, ctx.appToken));
  const call: Route = () => callRoute(ctx);
  // Both spellings of each path: clients call /health/, and paths ending in "z"
  // (/healthz) are reserved by Cloud Run on run.app, so there is none. "/" also
  // answers like /health (beyond the routes): a smokePath or probe set to
  // "/" then passes too. The stack's default smokePath is /health/.
  return { "/": health, "/health": health, "/health/": health, "/whoami": whoami, "/whoami/": whoami, "/call": call, "/call/": call };
}

/**
 * `GET /call`: calls the configured callee (callee.ts). Takes nothing from the
 * request, so no caller can choose where the ID token goes.
 */
async function callRoute(ctx: AppContext): Promise<{ status: number; json: string }> {
  if (!ctx.callee) {
    const body: ErrorBody = { error: "no_callee", message: "this service calls no other service: CALLEE_URL is not set (the stack sets it from the callee's url)" };
    return { status: 404, json: JSON.stringify(body) };
  }
  const { settings, tokens } = ctx.callee;
  const outcome = await callCallee(settings, { tokens, appToken: ctx.appToken });
  const { status, body } = callResponse(settings, outcome);
  if (status !== 200) ctx.log("WARNING", "call to the callee failed", { callee: settings.origin, ...(outcome.kind === "answered" ? { calleeStatus: outcome.status } : { failure: outcome.reason }) });
  return { status, json: JSON.stringify(body) };
}

/** The response size, for the access line (headers are written in one go, so there is no Content-Length to read back). */
const BODY_BYTES = Symbol("bodyBytes");
type Response = ServerResponse & { [BODY_BYTES]?: number };

/** Creates the request listener for `http.createServer`. */
export function createRequestHandler(ctx: AppContext): RequestListener {
  const routes = routesFor(ctx);
  return (req, res) => {
    const started = process.hrtime.bigint();
    res.on("close", () => onClose(ctx, req, res, started));
    try {
      const pending = handle(req, res, ctx, routes);
      if (pending) pending.catch((error: unknown) => failed(ctx, req, res, error));
    } catch (error) {
      failed(ctx, req, res, error);
    }
  };
}

/** The request is over: account for it, and log it when asked to (or when the client left before the answer). */
function onClose(ctx: AppContext, req: IncomingMessage, res: Response, started: bigint): void {
  ctx.onClosed?.();
  if (!res.writableFinished) {
    ctx.log("WARNING", "client went away before the response was sent", { ...traceLogFields(req.headers, ctx.projectId()), httpRequest: httpRequestFields(req, res, started) });
  } else if (ctx.requestLogs) {
    logAccess(ctx, req, res, started);
  }
}

function failed(ctx: AppContext, req: IncomingMessage, res: Response, error: unknown): void {
  // Only the error's name: a message could quote request data.
  ctx.log("ERROR", "unhandled error while serving a request", { ...traceLogFields(req.headers, ctx.projectId()), errorName: (error as Error)?.name ?? typeof error });
  if (!res.headersSent) sendError(res, ctx, 500, "internal", "internal error; see the service's logs");
  else res.destroy();
}

/** Answers `req`; returns a promise only when a body has to be read first or the route waits on I/O (`/call`). */
function handle(req: IncomingMessage, res: Response, ctx: AppContext, routes: Readonly<Record<string, Route>>): Promise<void> | void {
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body.
  const length = req.headers["content-length"];
  if (req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0")) return respond(req, res, ctx, routes);
  return readBodyWithinLimit(req, BODY_LIMIT_BYTES).then((body) => {
    if (body === "aborted") return;
    if (body === "too-large") {
      // Close the connection rather than read the rest of an oversized body.
      return sendError(res, ctx, 413, "payload_too_large", `request body is larger than ${BODY_LIMIT_BYTES} bytes; these routes take no body`, "close");
    }
    return respond(req, res, ctx, routes);
  });
}

function respond(req: IncomingMessage, res: Response, ctx: AppContext, routes: Readonly<Record<string, Route>>): Promise<void> | void {
  const url = req.url ?? "/";
  // A known path as sent needs no parsing; anything else is parsed (query, dot segments, escapes).
  const path = Object.hasOwn(routes, url) ? url : pathOf(url);
  if (path === undefined) return sendError(res, ctx, 400, "bad_request", "the request target is not a valid URL path");
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (!route) return sendError(res, ctx, 404, "not_found", `no route for ${path}; routes are ${Object.keys(routes).join(", ")}`);
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendError(res, ctx, 405, "method_not_allowed", `${req.method} is not allowed on ${path}; use ${ALLOWED_METHODS.join(" or ")}`, undefined, ALLOWED_METHODS.join(", "));
  }
  const answer = route(req);
  if (typeof answer === "string") return sendJson(res, ctx, 200, answer);
  return answer.then(({ status, json }) => {
    // The client may have gone while the route waited: nothing left to answer.
    if (!res.destroyed) sendJson(res, ctx, status, json);
  });
}

/**
 * Reads (and discards) the request body, stopping as soon as it exceeds
 * `limit`: a declared Content-Length over the limit is refused unread.
 */
export function readBodyWithinLimit(req: IncomingMessage, limit: number): Promise<"complete" | "too-large" | "aborted"> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve("too-large");
  return new Promise((resolve) => {
    let received = 0;
    const finish = (outcome: "complete" | "too-large" | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("close", onClose).off("error", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.pause();
        finish("too-large");
      }
    };
    const onEnd = () => finish("complete");
    const onClose = () => finish(req.complete ? "complete" : "aborted");
    req.on("data", onData).once("end", onEnd).once("close", onClose).once("error", onClose);
  });
}

/** The path of a request target, or undefined if it does not parse. */
export function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

function sendJson(res: Response, ctx: AppContext, status: number, json: string, connection?: "close", allow?: string): void {
  const bytes = Buffer.byteLength(json);
  res[BODY_BYTES] = bytes;
  // One flat list straight into writeHead: no per-header setHeader calls.
  const headers: (string | number)[] = ["Content-Type", "application/json; charset=utf-8", "Content-Length", bytes, "Cache-Control", "no-store", "X-Content-Type-Options", "nosniff"];
  // During shutdown, do not keep the connection for another request.
  if (connection === "close" || ctx.shuttingDown()) headers.push("Connection", "close");
  if (allow !== undefined) headers.push("Allow", allow);
  res.writeHead(status, headers);
  res.end(json); // node:http drops the body itself for HEAD.
}

function sendError(res: Response, ctx: AppContext, status: number, error: string, message: string, connection?: "close", allow?: string): void {
  const body: ErrorBody = { error, message };
  sendJson(res, ctx, status, JSON.stringify(body), connection, allow);
}

/** The request URL for logs, with the values of credential-looking query parameters replaced. */
export function safeRequestUrl(url: string | undefined): string {
  const raw = url ?? "/";
  const queryStart = raw.indexOf("?");
  if (queryStart < 0) return raw;
  const params = new URLSearchParams(raw.slice(queryStart + 1));
  redactQuery(params);
  return `${raw.slice(0, queryStart)}?${params.toString()}`;
}

function httpRequestFields(req: IncomingMessage, res: Response, started: bigint): Record<string, unknown> {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requestMethod: req.method,
    requestUrl: safeRequestUrl(req.url),
    status: res.statusCode,
    // Cloud Logging's Duration format: decimal seconds with an "s" suffix.
    latency: `${seconds.toFixed(6)}s`,
    responseSize: String(res[BODY_BYTES] ?? 0),
    userAgent: headerValue(req.headers, "user-agent"),
    remoteIp: remoteIpOf(headerValue(req.headers, "x-forwarded-for"), req.socket.remoteAddress),
    protocol: `HTTP/${req.httpVersion}`,
  };
}

/**
 * The caller's address: the LAST X-Forwarded-For entry, the one Google's front end
 * appended. Entries before it are whatever the client sent (anyone can write
 * "X-Forwarded-For: 1.2.3.4"), so the first one is not evidence of anything. Without
 * the header (not behind Cloud Run), the socket's peer.
 */
export function remoteIpOf(forwardedFor: string | undefined, socketAddress: string | undefined): string | undefined {
  const last = forwardedFor?.slice(forwardedFor.lastIndexOf(",") + 1).trim();
  return last || socketAddress;
}

function logAccess(ctx: AppContext, req: IncomingMessage, res: Response, started: bigint): void {
  const severity: Severity = res.statusCode >= 500 ? "ERROR" : res.statusCode >= 400 ? "WARNING" : "INFO";
  const httpRequest = httpRequestFields(req, res, started);
  ctx.log(severity, `${req.method} ${httpRequest.requestUrl} ${res.statusCode}`, { ...traceLogFields(req.headers, ctx.projectId()), httpRequest });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
