/**
 * Waiting for a server child process to be ready: the app (and the benchmark's
 * bare baseline) log one JSON line `{"message":"listening","port":N}` once bound.
 * Started with PORT=0, the OS picks a free port at bind time and this line is the
 * only place it is told, so waiting for it is both the readiness check and the
 * port lookup (no race with other processes for a port picked in advance).
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** The port of a JSON "listening" log line, or undefined for any other line. */
export function portFromLogLine(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { message?: unknown; port?: unknown };
    return entry.message === "listening" && typeof entry.port === "number" ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves with the port of the child's "listening" line on stdout. Rejects when
 * the child exits first (with the tail of its stderr) or after `timeoutMs`. Once the
 * line is seen, stdout keeps draining, so a full pipe never blocks the child's logs.
 */
export function waitForListening(child: ChildProcess, { timeoutMs, name = "the app" }: { timeoutMs: number; name?: string }): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const stderr: string[] = [];
    const onStderr = (chunk: Buffer | string) => stderr.push(chunk.toString());
    child.stderr?.on("data", onStderr);
    const lines = createInterface({ input: child.stdout! });
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stderr?.off("data", onStderr);
      lines.close();
      child.stdout?.resume();
      settle();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(() => reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before listening: ${stderr.join("").trim().slice(-500) || "no output"}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`${name} printed no "listening" line within ${timeoutMs / 1000} s`))), timeoutMs);
    lines.on("line", (line) => {
      const port = portFromLogLine(line);
      if (port !== undefined) finish(() => resolvePort(port));
    });
    child.once("exit", onExit);
  });
}
