/**
 * `npx tsx bench/client.bench.ts`: the per-call overhead of the client's
 * `invoke()` (token from a warm GoogleTokenSource cache, header selection, retry
 * bookkeeping, same-origin redirect handling, per-attempt timeout) against two
 * baselines, in the same run, against the same servers:
 *   - a raw `fetch` with a fixed `Authorization: Bearer` header;
 *   - the same raw `fetch` with a per-call `AbortSignal.timeout(30 000)`: what any
 *     fetch bounded in time pays (fetch's own cost of following a signal), so the
 *     difference to invoke() is the client's own work;
 * against
 *   - a plain node:http server (isolates the client's own cost);
 *   - the emulator's Cloud Run front end in front of it (verifies every token).
 * Sequential calls, alternated call by call (raw, raw+timeout, invoke, raw…) so machine
 * noise falls on all alike. Prints a Markdown table whose key columns are the
 * ratios of medians. Bounded: stops starting rounds at 45 s, and exits at 58 s
 * whatever happens.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GoogleTokenSource, invoke } from "../client";
import { startEmulator } from "../emulator";

const ROUNDS = 5;
const CALLS_PER_ROUND = 400;
const WARMUP_CALLS = 200;
const BUDGET_MS = 45_000;
const EMAIL = "bench@bench-project.iam.gserviceaccount.com";

async function startPlainServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Times one call in µs, body read included. */
async function timeCall(call: () => Promise<Response>): Promise<number> {
  const start = process.hrtime.bigint();
  const response = await call();
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`bench call answered ${response.status}`);
  return Number(process.hrtime.bigint() - start) / 1000;
}

type Variant = "raw" | "rawTimeout" | "invoke";

/** Alternates the variants call by call, so a noisy moment on the shared machine hits all of them. */
async function timeRounds(n: number, calls: Record<Variant, () => Promise<Response>>, into: Record<Variant, number[]>): Promise<void> {
  for (let i = 0; i < n; i++) {
    for (const variant of ["raw", "rawTimeout", "invoke"] as const) into[variant].push(await timeCall(calls[variant]));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function benchTarget(label: string, url: string, tokens: GoogleTokenSource, audience: string, deadline: number) {
  // The raw baseline uses the very token invoke() would send: same verification work at a front end.
  const token = await tokens.getIdToken(audience);
  const calls = {
    raw: () => fetch(url, { headers: { authorization: `Bearer ${token}` } }),
    rawTimeout: () => fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) }),
    invoke: () => invoke(url, {}, { tokens, audience }),
  };
  await timeRounds(WARMUP_CALLS, calls, { raw: [], rawTimeout: [], invoke: [] });
  const samples = { raw: [] as number[], rawTimeout: [] as number[], invoke: [] as number[] };
  for (let round = 0; round < ROUNDS && Date.now() < deadline; round++) await timeRounds(CALLS_PER_ROUND, calls, samples);
  const rawP50 = percentile(samples.raw, 50);
  const rawTimeoutP50 = percentile(samples.rawTimeout, 50);
  const invokeP50 = percentile(samples.invoke, 50);
  return {
    label,
    calls: samples.invoke.length,
    rawMean: mean(samples.raw),
    invokeMean: mean(samples.invoke),
    rawP50,
    rawTimeoutP50,
    invokeP50,
    rawP99: percentile(samples.raw, 99),
    invokeP99: percentile(samples.invoke, 99),
    // Medians: the shared 2-core machine's stalls would dominate a mean.
    ratio: invokeP50 / rawP50,
    ratioToBounded: invokeP50 / rawTimeoutP50,
  };
}

async function main(): Promise<void> {
  const deadline = Date.now() + BUDGET_MS;
  const plain = await startPlainServer();
  const emulator = await startEmulator({ upstream: plain.url, email: EMAIL, projectId: "bench-project" });
  const gcloudConfig = mkdtempSync(join(tmpdir(), "pcr-bench-"));
  // Tokens come from google-auth-library's real metadata path, pointed at the emulator.
  Object.assign(process.env, emulator.env, { GOOGLE_CLOUD_PROJECT: "bench-project", CLOUDSDK_CONFIG: gcloudConfig });
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  try {
    const tokens = new GoogleTokenSource();
    const frontEnd = emulator.frontEnd!;
    const rows = [await benchTarget("plain node:http server", `${plain.url}/`, tokens, plain.url, deadline)];
    rows.push(await benchTarget("emulator Cloud Run front end", `${frontEnd.url}/`, tokens, frontEnd.url, deadline));
    const us = (value: number) => value.toFixed(0);
    console.log(
      "| target | calls each | raw fetch p50 µs | raw fetch + timeout signal p50 µs | invoke() p50 µs | overhead p50 µs/call | raw p99 µs | invoke() p99 µs | raw mean µs | invoke() mean µs | **ratio invoke/raw (p50)** | **ratio invoke/(raw + timeout) (p50)** |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of rows) {
      console.log(
        `| ${row.label} | ${row.calls} | ${us(row.rawP50)} | ${us(row.rawTimeoutP50)} | ${us(row.invokeP50)} | ${us(row.invokeP50 - row.rawP50)} | ${us(row.rawP99)} | ${us(row.invokeP99)} | ${us(row.rawMean)} | ${us(row.invokeMean)} | **${row.ratio.toFixed(2)}×** | **${row.ratioToBounded.toFixed(2)}×** |`,
      );
    }
  } finally {
    await emulator.close();
    await plain.close();
    rmSync(gcloudConfig, { recursive: true, force: true });
  }
}

// Hard stop whatever the machine's load: the runner's budget is 60 s per bench.
setTimeout(() => {
  console.error("client bench: stopped at 58 s (machine too loaded to finish)");
  process.exit(1);
}, 58_000).unref();

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
