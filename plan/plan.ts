/**
 * `npm start` / `npm run plan`: what `pulumi up` would create for a stack, evaluated
 * offline under Pulumi's mock engine, the policy verdicts, and a local rehearsal of
 * the invocation path. Usage: plan/args.ts and docs/plan.md; exit codes: docs/cli.md.
 */
import { loadStackConfig } from "../config/stackFile";
import { runMain, writeStdout } from "../runner/cli";
import { runPlan, type PlanDeps, type PlanIO } from "./run";

/** The real collaborators, loaded lazily so `--help` and usage errors stay instant. */
const deps: PlanDeps = {
  // No Pulumi in the loader: a bad stack file is reported before the program is loaded.
  loadStackConfig: (stackOrFile) => loadStackConfig(stackOrFile),
  evaluateStack: async (input) => (await import("../offline/evaluate")).evaluateStack(input),
  evaluatePolicies: async (resources, options) => (await import("../policy/rules")).evaluatePolicies(resources, options),
  rehearse: async (evaluation, io) => (await import("./rehearsal")).rehearse(evaluation, io),
};

const io: PlanIO = {
  stdout: writeStdout,
  stderr: (text) => {
    process.stderr.write(text);
  },
};

runMain("plan", (argv) => runPlan(argv, deps, io));
