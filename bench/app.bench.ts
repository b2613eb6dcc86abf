/**
 * `npx tsx bench/app.bench.ts`: the app (app/dist/server.js) against a bare
 * node:http hello server, started the same way (`node FILE` with PORT=0,
 * HOST=127.0.0.1, stdout piped and drained) in the same run:
 *   - process start → first 200 on /health/ (ms, median of several cold starts);
 *   - requests/s and p99 latency on /health/ under autocannon.
 * Prints a Markdown table whose key column is the ratio app / baseline.
 * Bounded: about 25 s in all, and stopped at 58 s whatever happens (cold starts cap at 10 s each; load runs are fixed-length,
 * alternated app/bare so machine noise falls on both alike).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { appCompiler } from "../plan/localApp";
import { waitForListening } from "../runner/listening";

/** The fields of autocannon's JSON report used here. */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}

const APP_DIR = resolve(__dirname, "..", "app");
const APP_ENTRY = join(APP_DIR, "dist", "server.js");
const COLD_STARTS = 7;
const LOAD = { connections: 50, warmupSeconds: 1, seconds: 2, rounds: 3 };
/** Hard stop for the whole run, whatever the machine's load. */
const BENCH_DEADLINE_MS = 58_000;
const START_TIMEOUT_MS = 10_000;
/** USER_HZ: Linux reports /proc CPU times in 1/100 s on every common platform. */
const CLOCK_TICKS_PER_SECOND = 100;

// The baseline: the least a node:http server can do for the same request.
const BARE_SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  const body = '{"status":"ok"}';
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  process.stdout.write(JSON.stringify({ severity: "INFO", message: "listening", port: server.address().port }) + "\\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

interface Subject {
  label: string;
  entry: string;
}

interface Started {
  child: ChildProcess;
  url: string;
}

/** Remembers a child until it exits, so the deadline can stop it. */
function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function ensureAppBuilt(): void {
  if (existsSync(APP_ENTRY)) return;
  const built = spawnSync(process.execPath, [appCompiler(), "-p", join(APP_DIR, "tsconfig.json")], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("building the app failed: run `npm run build:app` to see why");
}

/** Spawns `node entry` on an OS-chosen port and resolves with its URL once it logs "listening". */
async function start(entry: string): Promise<Started> {
  const child = track(spawn(process.execPath, [entry], { cwd: APP_DIR, env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "inherit"] }));
  // From the line on, stdout is drained without parsing (Cloud Run's log agent reads it
  // outside the container), so the bench's own CPU stays off both subjects.
  const port = await waitForListening(child, { timeoutMs: START_TIMEOUT_MS, name: entry });
  return { child, url: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolveStatus(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

/** ms from spawn to the first 200 on /health/. */
async function coldStart(subject: Subject): Promise<number> {
  const t0 = performance.now();
  const { child, url } = await start(subject.entry);
  try {
    const status = await getStatus(`${url}/health/`);
    if (status !== 200) throw new Error(`${subject.label}: /health/ answered ${status}`);
    return performance.now() - t0;
  } finally {
    await stop(child);
  }
}

/**
 * autocannon runs in its own process (its CLI, --json), not in this one: this
 * process drains the server's stdout, and a load generator busy on the same
 * event loop would let that pipe fill and stall the server's log writes.
 */
function autocannon(url: string, seconds: number): Promise<AutocannonResult> {
  const cli = join(resolve(__dirname, ".."), "node_modules", "autocannon", "autocannon.js");
  const child = track(spawn(process.execPath, [cli, "--json", "-c", String(LOAD.connections), "-d", String(seconds), url], { stdio: ["ignore", "pipe", "ignore"] }));
  let json = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (json += chunk));
  return new Promise((resolveResult, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with code ${code}`));
      resolveResult(JSON.parse(json) as AutocannonResult);
    });
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    // Fields after the "(comm)" part; utime and stime are the 12th and 13th of them, in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** One load run: autocannon's numbers plus the server's CPU time per request (steady on a busy machine, unlike requests/s). */
async function load(subject: Subject): Promise<AutocannonResult & { cpuMicrosPerRequest?: number; served: number }> {
  const { child, url } = await start(subject.entry);
  try {
    await autocannon(`${url}/health/`, LOAD.warmupSeconds);
    const cpuBefore = cpuSeconds(child.pid);
    const result = await autocannon(`${url}/health/`, LOAD.seconds);
    const cpuAfter = cpuSeconds(child.pid);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${subject.label}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
    const served = result.requests.total;
    const cpuMicrosPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && served > 0 ? ((cpuAfter - cpuBefore) * 1e6) / served : undefined;
    return { ...result, served, cpuMicrosPerRequest };
  } finally {
    await stop(child);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  ensureAppBuilt();
  const dir = mkdtempSync(join(tmpdir(), "app-bench-"));
  try {
    const bareEntry = join(dir, "bare-server.js");
    writeFileSync(bareEntry, BARE_SERVER);
    const app: Subject = { label: "app", entry: APP_ENTRY };
    const bare: Subject = { label: "bare node:http", entry: bareEntry };

    // Alternate the subjects so machine noise falls on both alike.
    const starts = { app: [] as number[], bare: [] as number[] };
    for (let i = 0; i < COLD_STARTS; i++) {
      starts.app.push(await coldStart(app));
      starts.bare.push(await coldStart(bare));
    }
    type Load = Awaited<ReturnType<typeof load>>;
    const loads = { app: [] as Load[], bare: [] as Load[] };
    for (let i = 0; i < LOAD.rounds; i++) {
      loads.app.push(await load(app));
      loads.bare.push(await load(bare));
    }
    const rps = (results: AutocannonResult[]) => median(results.map((r) => r.requests.average));
    const p99 = (results: AutocannonResult[]) => median(results.map((r) => r.latency.p99));
    const cpu = (results: Load[]) => median(results.map((r) => r.cpuMicrosPerRequest ?? NaN));

    const rows: [string, number, number, number][] = [
      [`start → first 200 on /health/ (ms, median of ${COLD_STARTS})`, median(starts.app), median(starts.bare), 1],
      [`requests/s on /health/ (autocannon, ${LOAD.connections} connections, median of ${LOAD.rounds} × ${LOAD.seconds} s)`, rps(loads.app), rps(loads.bare), 0],
      [`p99 latency on /health/ (ms, median of ${LOAD.rounds})`, p99(loads.app), p99(loads.bare), 0],
      [`server CPU time per request (µs, median of ${LOAD.rounds}; /proc)`, cpu(loads.app), cpu(loads.bare), 1],
    ];
    const cores = cpus();
    process.stdout.write(`Machine: ${cores.length} × ${cores[0]?.model ?? "unknown CPU"}, node ${process.version}, ${new Date().toISOString()}\n\n`);
    process.stdout.write("| metric | app (dist/server.js) | bare node:http hello | ratio app/bare |\n|---|---:|---:|---:|\n");
    for (const [metric, a, b, digits] of rows) {
      process.stdout.write(`| ${metric} | ${a.toFixed(digits)} | ${b.toFixed(digits)} | ${(a / b).toFixed(2)} |\n`);
    }
    process.stdout.write("\nBoth run with default settings: the app writes no per-request log line (REQUEST_LOGS=on adds one; Cloud Run logs every request itself), the bare server none; stdout is drained as on Cloud Run.\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const children = new Set<ChildProcess>();
setTimeout(() => {
  process.stderr.write(`app bench: still running after ${BENCH_DEADLINE_MS / 1000} s; stopping\n`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
}, BENCH_DEADLINE_MS).unref();

main().catch((error: unknown) => {
  process.stderr.write(`app bench: ${(error as Error).message}\n`);
  process.exit(1);
});
