/**
 * The HTTP service's request handling, on plain node:http: routes, JSON errors,
 * the body limit and one Cloud Logging access line per request.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from "node:http";
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

type Route = (req: IncomingMessage, ctx: AppContext) => unknown;

const health: Route = (_req, ctx): Health => ({ status: "ok", service: ctx.service, revision: ctx.revision, version: ctx.version });
const whoami: Route = (req) => whoAmI(req.headers);

// Both spellings of each path: clients call /health/, and paths ending in "z"
// (/healthz) are reserved by Cloud Run on run.app, so there is none. "/" also
// answers like /health (beyond the routes): a smokePath or probe set to
// "/" then passes too. The stack's default smokePath is /health/.
const ROUTES: Readonly<Record<string, Route>> = { "/": health, "/health": health, "/health/": health, "/whoami": whoami, "/whoami/": whoami };

/** Creates the request listener for `http.createServer`. */
export function createRequestHandler(ctx: AppContext): RequestListener {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const trace = traceLogFields(req.headers, ctx.projectId());
    res.once("finish", () => logAccess(ctx.log, req, res, started, trace));
    res.once("close", () => {
      if (!res.writableFinished) ctx.log("WARNING", "client went away before the response was sent", { ...trace, httpRequest: httpRequestFields(req, res, started) });
    });
    handle(req, res, ctx).catch((error: unknown) => {
      // Only the error's name: a message could quote request data.
      ctx.log("ERROR", "unhandled error while serving a request", { ...trace, errorName: (error as Error)?.name ?? typeof error });
      if (!res.headersSent) sendError(res, ctx, 500, "internal", "internal error; see the service's logs");
      else res.destroy();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: AppContext): Promise<void> {
  const body = await readBodyWithinLimit(req, BODY_LIMIT_BYTES);
  if (body === "aborted") return;
  if (body === "too-large") {
    // Close the connection rather than read the rest of an oversized body.
    return sendError(res, ctx, 413, "payload_too_large", `request body is larger than ${BODY_LIMIT_BYTES} bytes; these routes take no body`, { Connection: "close" });
  }
  const path = pathOf(req.url);
  if (path === undefined) return sendError(res, ctx, 400, "bad_request", "the request target is not a valid URL path");
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (!route) return sendError(res, ctx, 404, "not_found", `no route for ${path}; routes are ${Object.keys(ROUTES).join(", ")}`);
  if (!ALLOWED_METHODS.includes(req.method ?? "")) {
    return sendError(res, ctx, 405, "method_not_allowed", `${req.method} is not allowed on ${path}; use ${ALLOWED_METHODS.join(" or ")}`, { Allow: ALLOWED_METHODS.join(", ") });
  }
  sendJson(res, ctx, 200, route(req, ctx));
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

function sendJson(res: ServerResponse, ctx: AppContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const allHeaders: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(json),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    // During shutdown, do not keep the connection for another request.
    ...(ctx.shuttingDown() ? { Connection: "close" } : {}),
    ...headers,
  };
  // setHeader (not writeHead's object) so the access log can read Content-Length back.
  for (const [name, value] of Object.entries(allHeaders)) res.setHeader(name, value);
  res.writeHead(status);
  res.end(json); // node:http drops the body itself for HEAD.
}

function sendError(res: ServerResponse, ctx: AppContext, status: number, error: string, message: string, headers: Record<string, string> = {}): void {
  const body: ErrorBody = { error, message };
  sendJson(res, ctx, status, body, headers);
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

function httpRequestFields(req: IncomingMessage, res: ServerResponse, started: bigint): Record<string, unknown> {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requestMethod: req.method,
    requestUrl: safeRequestUrl(req.url),
    status: res.statusCode,
    // Cloud Logging's Duration format: decimal seconds with an "s" suffix.
    latency: `${seconds.toFixed(6)}s`,
    responseSize: String(res.getHeader("content-length") ?? 0),
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

function logAccess(log: Logger, req: IncomingMessage, res: ServerResponse, started: bigint, trace: Record<string, unknown>): void {
  const severity: Severity = res.statusCode >= 500 ? "ERROR" : res.statusCode >= 400 ? "WARNING" : "INFO";
  const httpRequest = httpRequestFields(req, res, started);
  log(severity, `${req.method} ${httpRequest.requestUrl} ${res.statusCode}`, { ...trace, httpRequest });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
