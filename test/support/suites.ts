/**
 * One jest test file per directory of suites. jest gives every test file a fresh module
 * registry, so each file paid again for loading Pulumi, the program, zod and the test
 * helpers (about 0.5 CPU-s a file): the suites of a directory share one load instead.
 * Each `*.suite.ts` still runs in a describe of its own, named after the file, so its
 * hooks (beforeAll, afterEach, …) apply to its own tests only, and it finds
 * `process.env` as it was before it (jest gave each file a copy of its own).
 *
 *   npx jest test/stack                      every suite of the directory
 *   npx jest test/stack -t '^config '        one suite (its describe name)
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const SUITE = /\.suite\.ts$/;

/** The directory's suites, in name order. */
export function suitesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => SUITE.test(file))
    .sort();
}

/** Puts `process.env` back as it was, in place (modules may hold a reference to it). */
function restoreEnv(before: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  Object.assign(process.env, before);
}

/** Registers every `*.suite.ts` in `dir` (the calling test file's `__dirname`), each in its own describe. */
export function runSuitesIn(dir: string): void {
  const suites = suitesIn(dir);
  if (suites.length === 0) throw new Error(`no *.suite.ts files in ${dir}`);
  for (const file of suites) {
    describe(file.replace(SUITE, ""), () => {
      let envBefore: NodeJS.ProcessEnv = {};
      beforeAll(() => {
        envBefore = { ...process.env };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(dir, file));
      // Registered after the suite's own hooks, so it runs after its cleanup.
      afterAll(() => restoreEnv(envBefore));
    });
  }
}
