/**
 * `npx tsx bench/client.bench.ts`: the per-call overhead of the client's `invoke()`
 * (token from a warm GoogleTokenSource cache, header selection, retry bookkeeping,
 * same-origin redirect handling, its per-attempt timeout) against a raw `fetch` with a
 * fixed `Authorization: Bearer` header, in the same run, against the same servers:
 *   - a plain node:http server (isolates the client's own cost);
 *   - the emulator's Cloud Run front end in front of it (verifies every token).
 * Sequential calls, alternated call by call (the pair's order swapped every round), so
 * machine noise falls on both alike. Prints a Markdown table whose key column is the
 * ratio of medians.
 *
 * A last column shows, from its own alternated run after the others, what a raw `fetch`
 * pays for an `AbortSignal.timeout(30 000)`, the usual way to bound a fetch in time;
 * invoke() bounds each attempt in fetch's dispatcher instead (client/deadline.ts). It runs
 * last because each such signal leaves a 30 s timer and a finalizer behind, which tax
 * every call made while they last.
 *
 * Bounded: stops starting rounds at 45 s, and exits at 58 s whatever happens.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GoogleTokenSource, invoke } from "../client";
import { startEmulator } from "../emulator";

const ROUNDS = 5;
const CALLS_PER_ROUND = 800;
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

type Call = () => Promise<Response>;

/**
 * Times `a` and `b` alternately, call by call, so a noisy moment on the shared machine hits
 * both, the pair's order swapped every round so each follows the other equally often.
 */
async function timePairs(n: number, a: Call, b: Call, into: { a: number[]; b: number[] }): Promise<void> {
  for (let i = 0; i < n; i++) {
    const aFirst = i % 2 === 0;
    into[aFirst ? "a" : "b"].push(await timeCall(aFirst ? a : b));
    into[aFirst ? "b" : "a"].push(await timeCall(aFirst ? b : a));
  }
}

/** Samples of `a` and `b` side by side: a warm-up, then up to ROUNDS rounds before `deadline`. */
async function compare(a: Call, b: Call, deadline: number): Promise<{ a: number[]; b: number[] }> {
  await timePairs(WARMUP_CALLS, a, b, { a: [], b: [] });
  const samples = { a: [] as number[], b: [] as number[] };
  // At least one round, so a loaded machine still gets a row rather than an empty one.
  for (let round = 0; round === 0 || (round < ROUNDS && Date.now() < deadline); round++) await timePairs(CALLS_PER_ROUND, a, b, samples);
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** A target's three calls; the raw ones carry the very token invoke() sends, so a front end verifies the same. */
async function callsFor(url: string, tokens: GoogleTokenSource, audience: string): Promise<Record<"raw" | "rawTimeout" | "invoke", Call>> {
  const token = await tokens.getIdToken(audience);
  return {
    raw: () => fetch(url, { headers: { authorization: `Bearer ${token}` } }),
    rawTimeout: () => fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) }),
    invoke: () => invoke(url, {}, { tokens, audience }),
  };
}

/** invoke() against a raw fetch. */
async function benchInvoke(label: string, calls: Record<"raw" | "invoke", Call>, deadline: number) {
  const { a: raw, b: invoked } = await compare(calls.raw, calls.invoke, deadline);
  const rawP50 = percentile(raw, 50);
  const invokeP50 = percentile(invoked, 50);
  return {
    label,
    calls: invoked.length,
    rawP50,
    invokeP50,
    rawP99: percentile(raw, 99),
    invokeP99: percentile(invoked, 99),
    rawMean: mean(raw),
    invokeMean: mean(invoked),
    // Medians: the shared 2-core machine's stalls would dominate a mean.
    ratio: invokeP50 / rawP50,
  };
}

/** What a raw fetch pays for an AbortSignal.timeout: the usual way to bound a fetch in time. */
async function benchSignal(calls: Record<"raw" | "rawTimeout", Call>, deadline: number): Promise<number> {
  const { a: raw, b: bounded } = await compare(calls.raw, calls.rawTimeout, deadline);
  return percentile(bounded, 50) / percentile(raw, 50);
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
    const targets = [
      { label: "plain node:http server", calls: await callsFor(`${plain.url}/`, tokens, plain.url) },
      { label: "emulator Cloud Run front end", calls: await callsFor(`${emulator.frontEnd!.url}/`, tokens, emulator.frontEnd!.url) },
    ];
    const rows = [];
    for (const { label, calls } of targets) rows.push(await benchInvoke(label, calls, deadline));
    // Last: each AbortSignal.timeout leaves a 30 s timer and a finalizer behind, which tax every call made while they last.
    const signalRatios: number[] = [];
    for (const { calls } of targets) signalRatios.push(await benchSignal(calls, deadline));
    const us = (value: number) => value.toFixed(0);
    console.log(
      "| target | calls each | raw fetch p50 µs | invoke() p50 µs | overhead p50 µs/call | raw p99 µs | invoke() p99 µs | raw mean µs | invoke() mean µs | **ratio invoke/raw (p50)** | raw fetch + AbortSignal.timeout / raw (p50) |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach((row, i) => {
      console.log(
        `| ${row.label} | ${row.calls} | ${us(row.rawP50)} | ${us(row.invokeP50)} | ${us(row.invokeP50 - row.rawP50)} | ${us(row.rawP99)} | ${us(row.invokeP99)} | ${us(row.rawMean)} | ${us(row.invokeMean)} | **${row.ratio.toFixed(2)}×** | ${signalRatios[i].toFixed(2)}× |`,
      );
    });
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
