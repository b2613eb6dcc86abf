/**
 * Helpers for the emulator's tests: an upstream "app" that echoes what it
 * received, and a child-process runner for google-auth-library scripts that
 * need their environment set before the library loads.
 */
import * as http from "node:http";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Runs a CommonJS script with node in a child process (so the emulator in
 * this process keeps serving), from the repository root so it resolves the
 * installed google-auth-library. HOME is an empty directory: no gcloud ADC
 * file on the machine can leak in. Resolves with stdout; rejects with stderr.
 */
export function runNodeScript(script: string, env: Record<string, string>): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "emulator-home-"));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script],
      { cwd: join(__dirname, "..", ".."), env: { PATH: process.env.PATH ?? "", HOME: home, ...env }, timeout: 30000, encoding: "utf8" },
      (error, stdout, stderr) => (error ? reject(new Error(`child failed: ${error.message}\n${stderr}\n${stdout}`)) : resolve(stdout)),
    );
  });
}

/** Splits a JWT into its three parts and decodes the payload. */
export function jwtParts(token: string): { header: string; payload: Record<string, unknown>; signature: string } {
  const [header, payload, signature] = token.split(".");
  return { header, payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")), signature };
}
