/**
 * What the workflow scripts share as command-line programs: how a failure is
 * reported (the message alone, exit 2) and how a file error is named.
 */

/**
 * Runs a script's `main` with the command-line arguments. Every error is a
 * usage or input problem that names the flag and the fix: it is printed
 * without a stack trace and the process exits 2.
 */
export function runScript(main: (argv: string[]) => void): void {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}

/** Why a file could not be read: the errno code (ENOENT, EACCES…) when there is one, else the message. */
export function fileErrorReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
