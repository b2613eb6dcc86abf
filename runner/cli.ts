/**
 * How every command-line program here behaves (the plan, smoke, proxy and the
 * emulator): one usage error, one exit-code convention, one hint for options
 * that npm swallowed, one way to end the process. Exit codes: docs/cli.md.
 */
import { UsageError } from "../client/errors";
import { safeMessage } from "../client/redact";

/** The one usage error: bad arguments or input, with the fix. The CLI prints it and exits 2. */
export { UsageError };

/**
 * The exit-code convention of every CLI. A CLI may add codes of its own
 * above these (the plan: 3 when its local rehearsal fails; 130 on Ctrl-C).
 */
export const EXIT = {
  /** Everything asked for was done, and every check passed. */
  ok: 0,
  /** A check or a policy failed, or the command could not do its job for a reason it names (credentials, a port in use). */
  failed: 1,
  /** Bad arguments or an invalid config: every problem on stderr, nothing done. */
  usage: 2,
  /** An error the CLI has no words for: a bug, reported without a stack trace and redacted. */
  unexpected: 4,
} as const;

/**
 * The fix when an option's value arrived without its option: through npm, options
 * before a lone `--` are npm's own (`npm run smoke --url X` hands the CLI just "X").
 */
export function loneDashHint(example: string): string {
  return `put the options after a lone --, e.g. ${example} (without it npm takes them for itself)`;
}

/** True for node:util parseArgs's "a positional argument where none is allowed" error. */
export function isStrayArgument(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL";
}

/** True for any node:util parseArgs error (unknown option, missing value, stray argument). */
export function isArgumentError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code?.startsWith("ERR_PARSE_ARGS") === true;
}

/**
 * A parseArgs error as a UsageError: parseArgs's message names the option; the hint
 * is the lone `--` fix for a stray argument, else where the help is.
 */
export function argumentError(error: unknown, example: string, help: string): UsageError {
  return new UsageError(safeMessage(error), isStrayArgument(error) ? `${loneDashHint(example)}; see ${help}` : `see ${help}`);
}

/** What a CLI's `main` resolves with: an exit code, or "serving" when it keeps running until a signal stops it. */
export type MainResult = number | "serving";

/**
 * Runs a CLI's `main` with the command-line arguments. A number ends the process
 * with that code once stdout and stderr are flushed (a piped JSON document is never
 * cut short); "serving" leaves it running. A UsageError that escapes `main` exits 2
 * (`usage`, when given, is printed after it); anything else is unexpected: exit 4.
 */
export function runMain(name: string, main: (argv: string[]) => Promise<MainResult>, options: { usage?: string } = {}): void {
  ignoreClosedStdout();
  void mainResult(name, main, process.argv.slice(2), options).then((result) => {
    if (result !== "serving") exitAfterFlush(result);
  });
}

/**
 * What {@link runMain} does short of ending the process: runs `main` and turns an
 * error that escapes it into its exit code, written on stderr. Tests call it
 * in-process (test/support/cliInProcess.ts).
 */
export async function mainResult(name: string, main: (argv: string[]) => Promise<MainResult>, argv: string[], options: { usage?: string } = {}): Promise<MainResult> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}${options.usage ? `\n\n${options.usage}` : ""}\n`);
      return EXIT.usage;
    }
    // Redacted: an error from deep inside may quote a header or an input.
    process.stderr.write(`${name}: unexpected error: ${safeMessage(error)}\n`);
    return EXIT.unexpected;
  }
}

let stdoutClosed = false;

/**
 * A reader that goes away (`npm run plan -- --json | head -1`) must not crash the
 * CLI mid-run: stop writing to it and let the run finish and clean up.
 */
function ignoreClosedStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stdoutClosed = true;
  });
}

/** Writes to stdout unless its reader has gone away (see {@link runMain}). */
export function writeStdout(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

/** Exits once stdout and stderr are flushed. */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  const flushed = () => process.stderr.write("", () => process.exit(code));
  if (stdoutClosed) flushed();
  else process.stdout.write("", flushed);
}
