/**
 * Runs the BUILT app (app/dist) as real child processes, for app/test. (The local
 * rehearsal starts the app itself, in plan/localApp.ts: it keeps the caller's
 * environment and stops the app with SIGTERM and a grace period.)
 *
 * Port choice: the server is started with PORT=0 and HOST=127.0.0.1, so the OS
 * picks a free port at bind time and the server reports it in its "listening"
 * log line. Picking a free port in the test and passing it in would race with
 * other processes on a shared machine; this cannot. (On Cloud Run, PORT is set.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { join, resolve } from "node:path";
import { waitForListening } from "../../../runner/listening";

/** app/ (the Docker build context). */
export const APP_DIR = resolve(__dirname, "../..");
/** The built service entry point: what the image's CMD runs. */
export const SERVER_ENTRY = join(APP_DIR, "dist", "server.js");
/** The built job entry point: what the stack's job `command` runs. */
export const JOB_ENTRY = join(APP_DIR, "dist", "job.js");

/** One parsed log line. */
export type LogEntry = Record<string, unknown> & { severity: string; message: string };

/** Throws a clear error when app/dist has not been built. */
export function assertBuilt(): void {
  for (const entry of [SERVER_ENTRY, JOB_ENTRY]) {
    if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build:app\` (root) or \`npm --prefix app run build\` first`);
  }
}

/**
 * A minimal environment for the child: no Cloud Run or Google variables leak
 * in from the machine running the tests, so each test states what it sets.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"];
  const base: Record<string, string> = {};
  for (const key of keep) if (process.env[key] !== undefined) base[key] = process.env[key] as string;
  return { ...base, ...extra };
}

/** A running child process whose stdout is parsed as JSON log lines. */
export class LoggedProcess {
  /** Everything the process wrote to stdout and stderr, in order received. */
  output = "";
  /** What the process wrote to stderr alone. */
  stderr = "";
  /** Each stdout line parsed as JSON (a line that is not JSON is kept as `{ unparsed: line }`). */
  readonly entries: LogEntry[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private pending = "";
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.onStdout(chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.output += chunk;
      this.stderr += chunk;
    });
    this.exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
    void this.exited.then(() => this.notify());
  }

  /** Resolves with the first log entry matching `predicate`; rejects after `timeoutMs` or if the process exits first. */
  waitForLog(predicate: (entry: LogEntry) => boolean, timeoutMs = 10000): Promise<LogEntry> {
    return new Promise((resolveWait, reject) => {
      let exited = false;
      void this.exited.then(() => {
        exited = true;
      });
      const check = (): boolean => {
        const found = this.entries.find(predicate);
        if (found) resolveWait(found);
        else if (exited || this.child.exitCode !== null) reject(new Error(`process exited before the expected log line; output:\n${this.output}`));
        else return false;
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${this.output}`));
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
        }
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves with the exit status; rejects if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process still running after ${timeoutMs} ms; output:\n${this.output}`)), timeoutMs);
    });
    return Promise.race([this.exited, timeout]).finally(() => clearTimeout(timer));
  }

  /** Kills the process if it is still running and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  private onStdout(chunk: string): void {
    this.output += chunk;
    this.pending += chunk;
    const lines = this.pending.split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        this.entries.push(JSON.parse(line) as LogEntry);
      } catch {
        this.entries.push({ unparsed: line, severity: "", message: "" });
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A running server started from app/dist/server.js. */
export interface RunningServer {
  process: LoggedProcess;
  /** The port it bound (from its "listening" log line). */
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
}

/**
 * Starts `node app/dist/server.js` on 127.0.0.1 and an OS-chosen port, waits
 * for its "listening" line and returns the port. `env` adds to a clean environment.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  assertBuilt();
  const child = spawn(process.execPath, [SERVER_ENTRY], { cwd: APP_DIR, env: cleanEnv({ PORT: "0", HOST: "127.0.0.1", ...env }), stdio: ["ignore", "pipe", "pipe"] });
  const proc = new LoggedProcess(child);
  try {
    const port = await waitForListening(child, { timeoutMs: 10_000 });
    return { process: proc, port, url: `http://127.0.0.1:${port}` };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** Runs `node app/dist/job.js ARGS` to completion (bounded by `timeoutMs`). */
export async function runJob(args: string[], env: Record<string, string> = {}, timeoutMs = 20000): Promise<{ code: number | null; entries: LogEntry[]; output: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [JOB_ENTRY, ...args], { cwd: APP_DIR, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const proc = new LoggedProcess(child);
  try {
    const { code } = await proc.waitForExit(timeoutMs);
    return { code, entries: proc.entries, output: proc.output };
  } finally {
    await proc.stop();
  }
}

/** A response read in full. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: unknown;
}

/** One HTTP request on a fresh connection (no keep-alive pool between tests). */
export function send(url: string, options: { method?: string; path?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const headers: OutgoingHttpHeaders = { ...options.headers };
    // node:http frames a GET body only when told its length.
    if (options.body !== undefined && headers["Transfer-Encoding"] === undefined) headers["Content-Length"] = Buffer.byteLength(options.body);
    const req = httpRequest(new URL(options.path ?? "/", url), { method: options.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolveReply({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
