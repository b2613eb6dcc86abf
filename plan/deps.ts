/**
 * The plan's real collaborators: the stack-file loader, the offline evaluation, the
 * policy rules and the rehearsal. plan/plan.ts runs them from the command line; the
 * tests run them in-process (test/support/planInProcess.ts), so most plan tests pay
 * for one Pulumi import per test file rather than one per child process.
 */
import { loadStackConfig } from "../config/stackFile";
import type { PlanDeps } from "./run";

/** Loaded lazily, so `--help` and usage errors stay instant. */
export const planDeps: PlanDeps = {
  // No Pulumi in the loader: a bad stack file is reported before the program is loaded.
  loadStackConfig: (stackOrFile) => loadStackConfig(stackOrFile),
  // The policy rules load with the evaluator, not after it: tsx writes what it compiles to its
  // disk cache asynchronously, and `npm run plan` exits right after the rules run, which cut
  // those writes short, so every run compiled the rules again (~0.3 CPU-s).
  evaluateStack: async (input) => (await Promise.all([import("../offline/evaluate"), import("../policy/rules")]))[0].evaluateStack(input),
  evaluatePolicies: async (resources, options) => (await import("../policy/rules")).evaluatePolicies(resources, options),
  rehearse: async (evaluation, io) => (await import("./rehearsal")).rehearse(evaluation, io),
};
