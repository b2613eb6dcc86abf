/**
 * A CLI's `main` (smoke, proxy, emulator…) run in this process exactly as runMain
 * runs it short of ending the process: same argument handling, same exit code for
 * what escapes `main`, with stdout and stderr captured. A child process costs Node,
 * tsx and every import again (1–2 CPU-seconds each): use this for what a CLI prints
 * and returns, and a child process (node + test/support/tsxProcess.ts) only for what
 * needs one — signals, a terminal, a preload, the process's own environment.
 */
import { format } from "node:util";
import { mainResult, type MainResult } from "../../runner/cli";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

export interface InProcessOptions {
  /** Variables set for the length of the run (undefined removes one). */
  env?: Record<string, string | undefined>;
  /**
   * `env` is the whole environment for the run, as a child given only `env` would see
   * (nothing of the host's credentials). Note: under jest, `process.env` is the test
   * file's copy; a child process the CLI starts without an explicit env gets the worker's.
   */
  isolateEnv?: boolean;
  /** Printed after a usage error, as runMain's `usage` option. */
  usage?: string;
}

/**
 * Runs `main(argv)` under runMain's rules with the environment of `options` for the
 * length of the run; console and process.stdout/stderr are captured. Calls must not
 * overlap (jest runs a file's tests one at a time). Module state lives on between calls
 * (a library's caches, say): where that matters, use a child process.
 */
export async function runCliInProcess(
  name: string,
  main: (argv: string[]) => Promise<MainResult>,
  argv: string[],
  options: InProcessOptions = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const env = options.env ?? {};
  const restoreEnv = applyEnv(options.isolateEnv ? { ...Object.fromEntries(Object.keys(process.env).map((key) => [key, undefined])), ...env } : env);
  const restoreOutput = capture(out, err);
  let result: MainResult;
  try {
    result = await mainResult(name, main, argv, { usage: options.usage });
  } finally {
    restoreOutput();
    restoreEnv();
  }
  if (result === "serving") throw new Error(`${name} is still serving: run it as a child process to stop it with a signal`);
  return { code: result, stdout: out.join(""), stderr: err.join("") };
}

function applyEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(env);
  return () => set(saved);
}

/** Redirects console.* and process.stdout/stderr.write into the arrays; returns the undo. */
function capture(out: string[], err: string[]): () => void {
  // As Node's console writes: util.format, then a newline.
  const text = (args: unknown[]) => `${format(...args)}\n`;
  const consoleMethods = { log: out, info: out, warn: err, error: err } as const;
  const savedConsole = Object.fromEntries(Object.keys(consoleMethods).map((key) => [key, console[key as keyof typeof consoleMethods]]));
  for (const [key, sink] of Object.entries(consoleMethods)) {
    console[key as keyof typeof consoleMethods] = (...args: unknown[]) => void sink.push(text(args));
  }
  const savedWrites: [NodeJS.WriteStream, Write][] = [
    [process.stdout, process.stdout.write],
    [process.stderr, process.stderr.write],
  ];
  const writer = (sink: string[]): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      sink.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
  process.stdout.write = writer(out);
  process.stderr.write = writer(err);
  return () => {
    for (const [key, method] of Object.entries(savedConsole)) console[key as keyof typeof consoleMethods] = method;
    for (const [stream, write] of savedWrites) stream.write = write;
  };
}
