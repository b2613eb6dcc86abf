import * as http from "node:http";
import * as https from "node:https";
import { createRemoteJWKSet } from "jose";
import type { TokenIssuer } from "./tokenIssuer";
import type { RunningServer } from "./types";
import { bearerToken, listenLocal } from "./http";
import { GCLOUD_ADC_CLIENT_ID, GCLOUD_CLI_CLIENT_ID } from "./googleApis";
import { type GroupDirectory, isServiceAccountEmail, membersInclude, validateMembers } from "./members";

/** Options of {@link startFrontEnd}. */
export interface FrontEndOptions {
  /** Base URL of the app behind the front end, e.g. "http://127.0.0.1:8080". */
  upstream: string;
  /** Issuer whose ID tokens are accepted. */
  issuer: TokenIssuer;
  /**
   * Verify signatures with the keys published at this JWKS URL (fetched and cached
   * by jose's createRemoteJWKSet), as Google's front end uses Google's published
   * certs, instead of the issuer object's in-process copy.
   * @example metadata.certsUrl
   */
  jwksUrl?: string;
  /**
   * Accepted `aud` values (the service URL, custom audiences); an origin is
   * accepted with or without a trailing slash. Empty: the front end's own URL.
   */
  audiences: string[];
  /** IAM members holding run.routes.invoke: `user:`, `serviceAccount:`, `domain:`, `group:`. Never allUsers/allAuthenticatedUsers. */
  invokers: string[];
  /** Members of `group:` invokers: group email → member emails. @default {} */
  groups?: GroupDirectory;
  /**
   * OAuth client ids accepted as `aud` in *users'* ID tokens (not service
   * accounts'): Google ignores the audience for user credentials, and Cloud Run
   * accepts `gcloud auth print-identity-token`. @default gcloud's CLI and ADC client ids
   */
  userClientIds?: string[];
  /** How long after setInvokers() the new list takes effect (IAM propagation). @default 0 */
  propagationDelayMs?: number;
  /** @default 0 (ephemeral) */
  port?: number;
  /** Clock for the propagation delay, in epoch ms (tests pass a controllable one). @default Date.now */
  now?: () => number;
}

/** What the front end decided about one request (never holds a token). */
export interface FrontEndDecision {
  method: string;
  path: string;
  status: number;
  /** Which header was checked. */
  mode: "authorization" | "x-serverless" | "none";
  /** Why, in a few words, e.g. "forwarded", "no token", "ID token rejected: expired (exp is in the past)". */
  reason: string;
  /** The caller's email, when a token was verified. */
  email?: string;
}

/** A running Cloud Run front end. */
export interface FrontEnd extends RunningServer {
  /** Replaces the invoker list; takes effect after propagationDelayMs. */
  setInvokers(members: string[]): void;
  /** The invoker list in effect now. */
  invokers(): string[];
  /** The last 1,000 decisions, oldest first (the emulator's request log). */
  decisions(): FrontEndDecision[];
}

/** What Cloud Run replaces an X-Serverless-Authorization token's signature with before the app sees it. */
export const SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE";
const MAX_DECISIONS = 1000;
/** Headers that describe one connection, not the request: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

/**
 * The invoker list with IAM's propagation delay: a change is queued and takes
 * effect at its due time, read lazily (no timers to leak).
 */
class InvokerList {
  private current: string[];
  private readonly pending: { members: string[]; dueAtMs: number }[] = [];

  constructor(
    members: string[],
    private readonly delayMs: number,
    private readonly clock: () => number,
  ) {
    validateMembers("invokers", members);
    this.current = [...members];
  }

  set(members: string[]): void {
    validateMembers("setInvokers", members);
    this.pending.push({ members: [...members], dueAtMs: this.clock() + this.delayMs });
  }

  now(): string[] {
    const nowMs = this.clock();
    while (this.pending.length > 0 && this.pending[0].dueAtMs <= nowMs) this.current = this.pending.shift()!.members;
    return [...this.current];
  }
}

/** A request's outcome before forwarding: refused with a status, or allowed as `email`. */
type Verdict = { status: 401 | 403; reason: string; unauthenticated?: boolean; email?: string } | { status: 200; email: string };

/**
 * Starts a Cloud Run front-end stand-in in front of `upstream`: Google's
 * header rules and status codes, then a streaming proxy to the app.
 */
export async function startFrontEnd(options: FrontEndOptions): Promise<FrontEnd> {
  const upstream = parseUpstream(options.upstream);
  const invokers = new InvokerList(options.invokers, options.propagationDelayMs ?? 0, options.now ?? Date.now);
  const userClientIds = options.userClientIds ?? [GCLOUD_CLI_CLIENT_ID, GCLOUD_ADC_CLIENT_ID];
  const decisions: FrontEndDecision[] = [];
  let audiences: string[] = [];
  const keys = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;

  const record = (decision: FrontEndDecision): void => {
    decisions.push(decision);
    if (decisions.length > MAX_DECISIONS) decisions.shift();
  };

  const verify = async (token: string): Promise<Verdict> => {
    if (token.startsWith("ya29.")) return { status: 401, reason: "an OAuth access token, not an ID token" };
    let payload;
    try {
      payload = await options.issuer.verifyIdToken(token, { audiences: [...audiences, ...userClientIds], keys });
    } catch (error) {
      return { status: 401, reason: (error as Error).message };
    }
    const email = typeof payload.email === "string" ? payload.email : options.issuer.emailForSubject(payload.sub ?? "");
    if (!email) return { status: 403, reason: "token names no known principal" };
    if (userClientIds.includes(String(payload.aud)) && isServiceAccountEmail(email)) {
      return { status: 401, reason: `ID token rejected: wrong audience (aud ${JSON.stringify(payload.aud)})`, email };
    }
    if (!membersInclude(invokers.now(), email, options.groups)) return { status: 403, reason: "not an invoker", email };
    return { status: 200, email };
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    const { mode, token } = readCredential(req);
    const verdict: Promise<Verdict> =
      mode === "none"
        ? Promise.resolve({ status: 403, reason: "no token", unauthenticated: true })
        : token === undefined
          ? Promise.resolve({ status: 401, reason: "not a Bearer credential" })
          : verify(token);
    verdict
      .then((outcome) => {
        record({ method, path, status: outcome.status, mode, reason: outcome.status === 200 ? "forwarded" : outcome.reason, email: outcome.email });
        if (outcome.status !== 200) {
          req.resume();
          return refuse(res, outcome, path);
        }
        if (mode === "x-serverless") req.headers["x-serverless-authorization"] = `Bearer ${removeSignature(token as string)}`;
        forward(req, res, upstream);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end("internal emulator error\n");
      });
  });
  const { url, close } = await listenLocal(server, options.port);
  audiences = expandAudiences(options.audiences.length > 0 ? options.audiences : [url]);
  return {
    url,
    close,
    setInvokers: (members) => invokers.set(members),
    invokers: () => invokers.now(),
    decisions: () => decisions.map((decision) => ({ ...decision })),
  };
}

/** Cloud Run: when X-Serverless-Authorization is present, only it is checked. */
function readCredential(req: http.IncomingMessage): { mode: FrontEndDecision["mode"]; token: string | undefined } {
  const xServerless = req.headers["x-serverless-authorization"];
  if (xServerless !== undefined) return { mode: "x-serverless", token: bearerToken(String(xServerless)) };
  if (req.headers.authorization !== undefined) return { mode: "authorization", token: bearerToken(req.headers.authorization) };
  return { mode: "none", token: undefined };
}

function parseUpstream(upstream: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(upstream);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new Error(`startFrontEnd: upstream "${upstream}" is not an http(s) URL; pass the app's base URL, e.g. http://127.0.0.1:8080`);
  }
  return parsed;
}

/** An origin is accepted with and without its trailing slash, as Google's samples use both. */
export function expandAudiences(audiences: string[]): string[] {
  const expanded = new Set<string>();
  for (const audience of audiences) {
    expanded.add(audience);
    if (/^https?:\/\/[^/]+$/.test(audience)) expanded.add(`${audience}/`);
    if (/^https?:\/\/[^/]+\/$/.test(audience)) expanded.add(audience.slice(0, -1));
  }
  return [...expanded];
}

/** header.payload.signature → header.payload.SIGNATURE_REMOVED_BY_GOOGLE */
export function removeSignature(token: string): string {
  const parts = token.split(".");
  return `${parts[0]}.${parts[1]}.${SIGNATURE_REMOVED}`;
}

const NOT_AUTHENTICATED =
  "The request was not authenticated. Either allow unauthenticated invocations or set the proper Authorization header. " +
  "Read more at https://cloud.google.com/run/docs/securing/authenticating Additional troubleshooting documentation can be found at: " +
  "https://cloud.google.com/run/docs/troubleshooting#unauthorized-client";

/** Google's HTML error pages, as the real front end sends them. */
function refuse(res: http.ServerResponse, verdict: Exclude<Verdict, { status: 200 }>, path: string): void {
  const code = `<code>${escapeHtml(path)}</code>`;
  const [title, message] =
    verdict.status === 401
      ? ["Unauthorized", `Your client does not have permission to the requested URL ${code}.`]
      : verdict.unauthenticated
        ? ["Forbidden", NOT_AUTHENTICATED]
        : ["Forbidden", `Your client does not have permission to get URL ${code} from this server.`];
  const body =
    `<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>${verdict.status} ${title}</title>\n</head>\n` +
    `<body text=#000000 bgcolor=#ffffff>\n<h1>Error: ${title}</h1>\n<h2>${message}</h2>\n<h2></h2>\n</body></html>\n`;
  const headers: http.OutgoingHttpHeaders = { "content-type": "text/html; charset=UTF-8", "content-length": Buffer.byteLength(body) };
  if (verdict.status === 401) headers["www-authenticate"] = 'Bearer error="invalid_token" error_description="The access token could not be verified"';
  res.writeHead(verdict.status, headers).end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Streams the request to the app and its response back; the app being down is Cloud Run's 503. */
function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL): void {
  const target = new URL(upstream.href.replace(/\/$/, "") + (req.url ?? "/"));
  const headers = withoutHopByHop(req.headers);
  headers["x-forwarded-for"] = req.socket.remoteAddress ?? "127.0.0.1";
  headers["x-forwarded-proto"] = "http";
  const transport = target.protocol === "https:" ? https : http;
  const upstreamReq = transport.request(target, { method: req.method, headers }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, withoutHopByHop(upstreamRes.headers));
    upstreamRes.pipe(res);
  });
  upstreamReq.on("error", () => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("Service Unavailable: the upstream app did not answer\n");
  });
  // The caller went away before the answer was complete: stop the upstream request too.
  res.on("close", () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const connectionTokens = String(headers.connection ?? "").toLowerCase().split(",").map((t) => t.trim());
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !connectionTokens.includes(name)));
}
