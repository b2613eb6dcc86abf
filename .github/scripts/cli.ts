/**
 * What the workflow scripts share as command-line programs: how a failure is
 * reported (the message alone, exit 2) and how a file error is named.
 */

/**
 * Where a script writes, and the directory its relative paths are read from: the
 * process's own when a workflow runs it; the tests pass their own and capture.
 */
export interface ScriptIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

/** A script's `main`: reads its arguments, writes through `io`, returns its exit code (nothing: 0). */
export type ScriptMain = (argv: string[], io: ScriptIO) => number | void;

/**
 * Runs a script's `main` and returns its exit code. Every error is a usage or
 * input problem that names the flag and the fix: it is written without a stack
 * trace and the code is 2.
 */
export function runScriptMain(main: ScriptMain, argv: string[], io: ScriptIO): number {
  try {
    return main(argv, io) ?? 0;
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 2;
  }
}

/** Runs a script's `main` with the command-line arguments, on this process's stdout, stderr and working directory. */
export function runScript(main: ScriptMain): void {
  const io: ScriptIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  };
  process.exitCode = runScriptMain(main, process.argv.slice(2), io);
}

/** Why a file could not be read: the errno code (ENOENT, EACCES…) when there is one, else the message. */
export function fileErrorReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
