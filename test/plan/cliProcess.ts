import { spawn } from "node:child_process";
import { resolve } from "node:path";

/** The repository root, where `npm start` runs. */
export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Upper bound for one CLI run on a loaded machine; the child is killed past it. */
const RUN_TIMEOUT_MS = 120_000;

/** A CLI run in progress, in its own process group (pid = group id). */
export interface CliRun {
  pid: number;
  done: Promise<CliResult>;
  /** Resolves once stderr matches `pattern`; rejects if the CLI ends first. */
  waitForStderr(pattern: RegExp): Promise<void>;
}

/**
 * Starts the CLI exactly as `npm start` runs it (package.json: `node --import tsx
 * plan/plan.ts`, one process: signals reach the CLI directly), as a real child process,
 * leader of a new process group so a test can tell whether anything it started is
 * still alive. For the plan's output, prefer test/support/planInProcess.ts.
 */
export function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", "plan/plan.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    const text = Buffer.concat(stderr).toString();
    for (const waiter of waiters.filter((w) => w.pattern.test(text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), RUN_TIMEOUT_MS);
  const done = new Promise<CliResult>((resolveDone, fail) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolveDone({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
    });
  });
  const waitForStderr = (pattern: RegExp) =>
    new Promise<void>((resolveWait, rejectWait) => {
      if (pattern.test(Buffer.concat(stderr).toString())) return resolveWait();
      waiters.push({ pattern, resolve: resolveWait });
      done.then(() => rejectWait(new Error(`the CLI ended before printing ${pattern} on stderr:\n${Buffer.concat(stderr).toString()}`)), rejectWait);
    });
  return { pid: child.pid!, done, waitForStderr };
}
