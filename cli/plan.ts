/**
 * `npm start` / `npm run plan`: what `pulumi up` would create for a stack, evaluated
 * offline under Pulumi's mock engine, the policy verdicts, and a local rehearsal of
 * the invocation path (issue 5). Usage and exit codes: cli/args.ts, docs/plan.md.
 */
import { safeMessage } from "../client/redact";
import { EXIT, runPlan, type PlanDeps, type PlanIO } from "./run";

/** The real collaborators, loaded lazily so `--help` and usage errors stay instant. */
const deps: PlanDeps = {
  loadStackConfig: async (stackOrFile) => (await import("../offline/evaluate")).loadStackConfig(stackOrFile),
  evaluateStack: async (input) => (await import("../offline/evaluate")).evaluateStack(input),
  evaluatePolicies: async (resources, options) => (await import("../policy/rules")).evaluatePolicies(resources, options),
  rehearse: async (evaluation, io) => (await import("./rehearsal")).rehearse(evaluation, io),
};

const io: PlanIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exits once stdout and stderr are flushed, so a piped --json document is never cut short. */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

runPlan(process.argv.slice(2), deps, io).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`error: ${safeMessage(error)}\n`);
  exitAfterFlush(EXIT.unexpected);
});
