/**
 * Helpers for the emulator's tests: an upstream "app" that echoes what it
 * received, and a child-process runner for google-auth-library scripts that
 * need their environment set before the library loads.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** What the echo app saw of one request. */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An app on 127.0.0.1 that answers 200 with JSON describing the request it got, and remembers it. */
export async function startEchoApp(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(entry);
      const status = req.url?.startsWith("/status/") ? Number(req.url.split("/")[2]) : 200;
      res.writeHead(status, { "content-type": "application/json", "x-app": "echo", "set-cookie": ["a=1", "b=2"] });
      res.end(JSON.stringify({ method: entry.method, url: entry.url, body: entry.body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Splits a JWT into its three parts and decodes the payload. */
export function jwtParts(token: string): { header: string; payload: Record<string, unknown>; signature: string } {
  const [header, payload, signature] = token.split(".");
  return { header, payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")), signature };
}
