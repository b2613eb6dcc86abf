/**
 * A local port that forwards to a private Cloud Run service with a valid ID
 * token on every request, like `gcloud run services proxy`: for browsers and curl.
 * Listens on 127.0.0.1 only: anyone who can reach the port acts as you.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { HeaderMode, withIdToken } from "./headers";
import { IdTokenSource } from "./idTokens";
import { defaultAudience } from "./invoke";
import { safeMessage } from "./redact";
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
  /** @default "127.0.0.1" */
  host?: string;
  /** Bound on getting a token for one request. @default 30 000 ms */
  tokenTimeoutMs?: number;
  /** One line per request (method, path, status); never headers. */
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
  const upstream = new URL(options.url);
  const audience = options.audience ?? defaultAudience(upstream);
  const server = http.createServer((req, res) => {
    forward(req, res, upstream, audience, options).catch((error) => {
      // Headers may already be out when the upstream stream breaks mid-body.
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
        res.end(`private-cloud-run proxy: ${safeMessage(error)}\n`);
      } else {
        res.destroy();
      }
      options.log?.(`${req.method} ${req.url} → proxy error: ${safeMessage(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL, audience: string, options: ProxyOptions): Promise<void> {
  // Bounded like invoke(): a hung metadata server must not hang every browser request.
  const token = await withTimeout(options.tokens.getIdToken(audience), options.tokenTimeoutMs ?? 30_000);
  const headers = withIdToken(incomingHeaders(req), token, options.headerMode ?? "auto");
  const target = new URL(req.url ?? "/", upstream);
  const transport = target.protocol === "https:" ? https : http;
  const upstreamReq = transport.request(target, { method: req.method, headers: Object.fromEntries(headers) });
  const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
    upstreamReq.once("response", resolve);
    upstreamReq.once("error", reject);
  });
  await pipeline(req, upstreamReq);
  const upstreamRes = await responded;
  res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders(upstreamRes));
  const why = refusalNote(upstreamRes.statusCode, upstreamRes.headers["www-authenticate"]);
  options.log?.(`${req.method} ${target.pathname}${target.search} → ${upstreamRes.statusCode}${why}`);
  await pipeline(upstreamRes, res);
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
