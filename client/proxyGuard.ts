/**
 * What the local proxy agrees to forward. Every request it forwards carries the
 * caller's ID token, so it forwards only what can go nowhere but its one upstream
 * origin, and only for callers on this machine (not for a web page elsewhere):
 *   - the request target is origin-form, a path with ONE leading "/" (RFC 9112 §3.2.1);
 *     "//host/x", "/\host/x", absolute-form "http://host/x", authority-form (CONNECT)
 *     and asterisk-form ("*") all name, or may be resolved to, another host;
 *   - the Host header is exactly the proxy's own listen address (DNS rebinding: a
 *     page on evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example);
 *   - the request was not made by another site's page (Sec-Fetch-Site: cross-site).
 * Pure functions, so the rules are tested by table.
 */
import { isIP } from "node:net";

/** Why a request is not forwarded: the status to answer and a one-line reason. */
export interface Refusal {
  status: 400 | 403 | 405 | 421;
  reason: string;
}

/** The parts of an incoming request the guard looks at. */
export interface GuardedRequest {
  method?: string;
  url?: string;
  /** Node's rawHeaders: [name, value, name, value, …], duplicates kept. */
  rawHeaders: string[];
}

/** The loopback names the proxy may listen on. Anything else would hand your identity to the network. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/**
 * The Host values that name this proxy: its listen address and `localhost`, each with
 * its port (and without, on port 80, where clients leave the port out). Lowercase.
 */
export function ownHostValues(listenHost: string, port: number): ReadonlySet<string> {
  const bracketed = isIP(listenHost) === 6 ? `[${listenHost.replace(/^\[|\]$/g, "")}]` : listenHost.toLowerCase();
  const names = new Set([bracketed, "localhost"]);
  if (listenHost === "localhost") {
    names.add("127.0.0.1");
    names.add("[::1]");
  }
  const values = new Set<string>();
  for (const name of names) {
    values.add(`${name}:${port}`);
    if (port === 80) values.add(name);
  }
  return values;
}

/** Returns why `req` must not be forwarded, or undefined when it may be. */
export function refusalOf(req: GuardedRequest, ownHosts: ReadonlySet<string>): Refusal | undefined {
  if (req.method === "CONNECT") return { status: 405, reason: "CONNECT is not supported: this proxy forwards paths to one service, it does not open tunnels" };
  const target = req.url ?? "";
  if (!isOriginForm(target)) {
    return { status: 400, reason: "the request target must be a path starting with a single \"/\"; absolute URLs, \"//host\", \"/\\host\" and \"*\" are refused so the ID token cannot be sent to another host" };
  }
  const hosts = headerValues(req.rawHeaders, "host");
  if (hosts.length > 1) return { status: 400, reason: "more than one Host header" };
  if (hosts.length === 0 || !ownHosts.has(hosts[0].trim().toLowerCase())) {
    return { status: 421, reason: `Host must be this proxy's own address (${[...ownHosts].join(" or ")}); another name may be a DNS-rebinding page` };
  }
  const sites = headerValues(req.rawHeaders, "sec-fetch-site");
  if (sites.some((site) => site.trim().toLowerCase() === "cross-site")) {
    return { status: 403, reason: "the request came from another site's page (Sec-Fetch-Site: cross-site); open the URL yourself, or call the proxy from outside a browser" };
  }
  return undefined;
}

/** A single leading "/" followed by anything but another "/" or "\" (which URL parsers read as a host). */
export function isOriginForm(target: string): boolean {
  return target.startsWith("/") && target[1] !== "/" && target[1] !== "\\";
}

function headerValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1]);
  }
  return values;
}
