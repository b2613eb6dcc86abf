/** Test helpers for the client's tests: an echo app, a counting forwarder, a scripted server, token-leak checks. */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the app behind the front end received. */
export interface Received {
  path: string;
  authorization?: string;
  xServerless?: string;
}

/** A plain app: answers 200 with what it received, and records it. */
export async function startEchoApp() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const entry: Received = { path: req.url ?? "/", authorization: req.headers.authorization, xServerless: req.headers["x-serverless-authorization"] as string | undefined };
    received.push(entry);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, path: entry.path }));
  });
  const url = await listen(server);
  return { url, received, close: () => closeServer(server) };
}

/**
 * Forwards every request to `target` and counts paths containing `/identity`:
 * counts ID-token mints at the metadata server from the outside.
 */
export async function startCountingForwarder(target: string) {
  const counts = { identity: 0, total: 0 };
  const server = http.createServer((req, res) => {
    counts.total++;
    if ((req.url ?? "").includes("/identity")) counts.identity++;
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const url = await listen(server);
  return { url, host: new URL(url).host, counts, close: () => closeServer(server) };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** How a {@link startRoutedServer} answers one path. */
export type Handle = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A server that answers each path as `routes` scripts it ("ok" for any other), and records
 * every request's path and every closed connection's, to show that an abort reached it.
 */
export async function startRoutedServer(routes: Record<string, Handle>) {
  const requests: string[] = [];
  const closed: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    req.socket.once("close", () => closed.push(req.url ?? ""));
    (routes[req.url ?? ""] ?? ((_req, response) => response.end("ok")))(req, res);
  });
  const url = await listen(server);
  return { url, requests, closed, close: () => closeServer(server) };
}

/** Resolves once `condition()` holds, checking every 10 ms (the test's own timeout bounds it). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Token shapes: a JWT (header starts eyJ) or a Google access token. */
const TOKEN_SHAPES = [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, /ya29\.[A-Za-z0-9_-]{4,}/];

/** Fails with the offending excerpt if `text` holds any of `tokens` or anything token-shaped. */
export function expectNoTokenText(text: string, tokens: string[] = []): void {
  for (const token of tokens) {
    // The signature and the payload are each secret enough on their own.
    for (const part of token.split(".").filter((p) => p.length > 16)) expect(text).not.toContain(part);
  }
  for (const shape of TOKEN_SHAPES) expect(text).not.toMatch(shape);
}

/** Decodes a JWT payload without verifying (what the app may do with X-Serverless-Authorization). */
export function payloadOf(bearer: string | undefined): Record<string, unknown> {
  const token = (bearer ?? "").replace(/^Bearer /, "");
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/**
 * gaxios 7 (google-auth-library's HTTP layer) loads node-fetch with a dynamic
 * `import()` unless `window.fetch` exists, and jest's CommonJS vm refuses dynamic
 * imports (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG). Inside jest only, hand it
 * Node's own fetch. `window` is read elsewhere only for `window.crypto.subtle`,
 * which stays absent, so google-auth-library keeps its Node crypto. The CLI tests
 * run real child processes, where gaxios uses node-fetch as in production.
 */
export function letGaxiosUseNativeFetch(): void {
  const scope = globalThis as { window?: unknown };
  scope.window ??= { fetch: globalThis.fetch };
}

/**
 * Points google-auth-library's Application Default Credentials at an emulated metadata
 * server, as on Cloud Run: no key file, no gcloud config (`gcloudConfigDir` is empty),
 * and the project given, since otherwise the library asks `gcloud config config-helper`
 * for it (seconds). The suite puts process.env back afterwards.
 */
export function useMetadataServerCredentials(metadataHost: string, projectId: string, gcloudConfigDir: string): void {
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  Object.assign(process.env, { CLOUDSDK_CONFIG: gcloudConfigDir, GCE_METADATA_HOST: metadataHost, METADATA_SERVER_DETECTION: "assume-present", GOOGLE_CLOUD_PROJECT: projectId });
}
