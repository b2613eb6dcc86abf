/**
 * `npm start` / `npm run plan`: what `pulumi up` would create for a stack, evaluated
 * offline under Pulumi's mock engine, the policy verdicts, and a local rehearsal of
 * the invocation path (issue 5). Usage and exit codes: cli/args.ts, docs/plan.md.
 */
import { safeMessage } from "../client/redact";
import { loadStackConfig } from "../config/stackFile";
import { EXIT, runPlan, type PlanDeps, type PlanIO } from "./run";

/** The real collaborators, loaded lazily so `--help` and usage errors stay instant. */
const deps: PlanDeps = {
  // No Pulumi in the loader: a bad stack file is reported before the program is loaded.
  loadStackConfig: (stackOrFile) => loadStackConfig(stackOrFile),
  evaluateStack: async (input) => (await import("../offline/evaluate")).evaluateStack(input),
  evaluatePolicies: async (resources, options) => (await import("../policy/rules")).evaluatePolicies(resources, options),
  rehearse: async (evaluation, io) => (await import("./rehearsal")).rehearse(evaluation, io),
};

// A reader that goes away (`npm run plan -- --json | head -1`) must not crash the CLI
// mid-rehearsal: stop writing to it and let the run finish and clean up.
let stdoutClosed = false;
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  stdoutClosed = true;
});

const io: PlanIO = {
  stdout: (text) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

/** Exits once stdout and stderr are flushed, so a piped --json document is never cut short. */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  const flushed = () => process.stderr.write("", () => process.exit(code));
  if (stdoutClosed) flushed();
  else process.stdout.write("", flushed);
}

runPlan(process.argv.slice(2), deps, io).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`error: ${safeMessage(error)}\n`);
  exitAfterFlush(EXIT.unexpected);
});
