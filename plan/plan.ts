/**
 * `npm start` / `npm run plan`: what `pulumi up` would create for a stack, evaluated
 * offline under Pulumi's mock engine, the policy verdicts, and a local rehearsal of
 * the invocation path. Usage: plan/args.ts and docs/plan.md; exit codes: docs/cli.md.
 */
// First: what Pulumi loads but a plan never uses loads on first use, not when Pulumi loads;
// Pulumi's promise-debugging stacks skip source maps.
import "../offline/deferredModules";
import "../offline/plainPromiseStacks";
import { runMain, writeStdout } from "../runner/cli";
import { planDeps } from "./deps";
import { runPlan, type PlanIO } from "./run";

const io: PlanIO = {
  stdout: writeStdout,
  stderr: (text) => {
    process.stderr.write(text);
  },
};

runMain("plan", (argv) => runPlan(argv, planDeps, io));
