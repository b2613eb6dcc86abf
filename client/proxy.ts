/**
 * A local port that forwards to a private Cloud Run service with a valid ID
 * token on every request, like `gcloud run services proxy`: for browsers and curl.
 * Listens on loopback only: anyone who can reach the port acts as you. What it
 * agrees to forward (one upstream origin, its own Host, no other site's pages) is
 * in proxyGuard.ts.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { urlToHttpOptions } from "node:url";
import { UsageError } from "./errors";
import { HeaderMode, withIdToken } from "./headers";
import { IdTokenSource } from "./idTokens";
import { defaultAudience } from "./invoke";
import { isLoopbackHost, ownHostValues, refusalOf, type Refusal } from "./proxyGuard";
import { redact, safeMessage } from "./redact";
import { withTimeout } from "./timeout";

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** The private service's base URL, e.g. "https://hello-abc-de.a.run.app". */
  url: string;
  tokens: IdTokenSource;
  /** @default the URL's origin */
  audience?: string;
  /** @default "auto" (X-Serverless-Authorization when the request already has Authorization) */
  headerMode?: HeaderMode;
  /** @default 8080; 0 for an ephemeral port */
  port?: number;
  /** A loopback address or "localhost" (anything else would lend your identity to the network). @default "127.0.0.1" */
  host?: string;
  /** Bound on getting a token for one request. @default 30 000 ms */
  tokenTimeoutMs?: number;
  /**
   * Bound on one forwarded exchange, from sending the request to the end of the
   * response body; past it the proxy answers 504 (or cuts a response already under way).
   * @default 300 000 ms (Cloud Run's default request timeout)
   */
  requestTimeoutMs?: number;
  /** One line per request (method, path, status) and per refusal (method, target, Host, why); never other headers. */
  log?: (line: string) => void;
}

export interface RunningProxy {
  /** "http://127.0.0.1:PORT" */
  url: string;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and Host are the proxy's own business. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"]);

/** Starts the proxy; resolves once it listens. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const listenHost = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(listenHost)) {
    throw new UsageError(`host: "${listenHost}" is not a loopback address`, "listen on 127.0.0.1, ::1 or localhost: every request to the port is made with your identity");
  }
  const upstream = new URL(options.url);
  const audience = options.audience ?? defaultAudience(upstream);
  let ownHosts: ReadonlySet<string> = new Set();
  const server = http.createServer((req, res) => {
    const refusal = refusalOf(req, ownHosts);
    if (refusal) return refuse(res, req, refusal, options.log);
    forward(req, res, upstream, audience, options).catch((error) => {
      const timedOut = error instanceof UpstreamTimeout;
      // Headers may already be out when the upstream stream breaks mid-body.
      if (!res.headersSent) {
        res.writeHead(timedOut ? 504 : 502, { "content-type": "text/plain; charset=utf-8" });
        res.end(`private-cloud-run proxy: ${safeMessage(error)}\n`);
      } else {
        res.destroy();
      }
      options.log?.(`${req.method} ${printable(req.url)} → proxy error: ${safeMessage(error)}`);
    });
  });
  // CONNECT never reaches the request handler; without this listener node drops the socket unanswered.
  server.on("connect", (req: http.IncomingMessage, socket: Socket) => {
    const refusal = refusalOf(req, ownHosts) as Refusal;
    options.log?.(refusalLine(req, refusal));
    socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nprivate-cloud-run proxy: ${refusal.reason}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, listenHost, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ownHosts = ownHostValues(listenHost, port);
  return {
    url: `http://${listenHost.includes(":") ? `[${listenHost}]` : listenHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function refuse(res: http.ServerResponse, req: http.IncomingMessage, refusal: Refusal, log: ProxyOptions["log"]): void {
  log?.(refusalLine(req, refusal));
  // Nothing of the request is echoed: the page that sent it may read the answer.
  res.writeHead(refusal.status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", connection: "close" });
  res.end(`private-cloud-run proxy: ${refusal.reason}\n`);
}

/** `refused GET "//evil/x" (Host "127.0.0.1:8080"): why`; quoted, bounded, redacted: an attacker chose both values. */
function refusalLine(req: http.IncomingMessage, refusal: Refusal): string {
  return `refused ${req.method} ${JSON.stringify(printable(req.url))} (Host ${JSON.stringify(printable(req.headers.host))}): ${refusal.reason}`;
}

function printable(value: string | undefined): string {
  const text = redact(value ?? "");
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The forwarded exchange took longer than requestTimeoutMs. */
class UpstreamTimeout extends Error {}

async function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL, audience: string, options: ProxyOptions): Promise<void> {
  // Bounded like invoke(): a hung metadata server must not hang every browser request.
  const token = await withTimeout(options.tokens.getIdToken(audience), options.tokenTimeoutMs ?? 30_000);
  const headers = withIdToken(incomingHeaders(req), token, options.headerMode ?? "auto");
  // The upstream's scheme, host and port, and the request's own path, verbatim: the
  // guard let through only "/…" paths, and nothing here resolves the path against a
  // base URL (which would read "//host" or "/\host" as another host).
  const target = { ...urlToHttpOptions(upstream), path: req.url, method: req.method, headers: Object.fromEntries(headers) };
  const transport = upstream.protocol === "https:" ? https : http;
  const upstreamReq = transport.request(target);
  const limitMs = options.requestTimeoutMs ?? 300_000;
  const timer = setTimeout(() => upstreamReq.destroy(new UpstreamTimeout(`no answer from the service within ${limitMs / 1000}s`)), limitMs);
  try {
    const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
      upstreamReq.once("response", resolve);
      upstreamReq.once("error", reject);
    });
    // A refused connection rejects the pipeline below first; this promise must not then
    // reject unobserved (an unhandled rejection ends the process, and the proxy with it).
    responded.catch(() => undefined);
    await pipeline(req, upstreamReq);
    const upstreamRes = await responded;
    res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders(upstreamRes));
    const why = refusalNote(upstreamRes.statusCode, upstreamRes.headers["www-authenticate"]);
    options.log?.(`${req.method} ${printable(req.url)} → ${upstreamRes.statusCode}${why}`);
    await pipeline(upstreamRes, res);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a refusal by Cloud Run's front end means for the person at the proxy.
 * Only for front-end refusals: a 401 carries Cloud Run's WWW-Authenticate; an
 * app's own 403 cannot be told apart, so the note says "probably".
 */
function refusalNote(status: number | undefined, wwwAuthenticate: string | undefined): string {
  if (status === 401 && wwwAuthenticate !== undefined) return " (Cloud Run rejected the ID token: check --audience, it must be the service URL or a custom audience)";
  if (status === 403) return " (probably not an invoker: grant roles/run.invoker to your identity and allow a few minutes for propagation; npm run smoke -- --url URL explains)";
  return "";
}

function incomingHeaders(req: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

function responseHeaders(res: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}
