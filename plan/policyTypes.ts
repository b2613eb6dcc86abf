/**
 * The policy engine's contract as the plan consumes it (policy/rules.ts implements
 * `evaluatePolicies`); kept here so the plan's pure parts do not load the rules.
 */
import type { Violation } from "../policy/checks/types";
import { compareText } from "../contract";

/** One policy finding on one resource: the rules' own type (a type-only import, so nothing of policy/ is loaded). */
export type { Violation };

/** True when any violation must fail the plan (exit 1). */
export function hasMandatory(violations: Violation[]): boolean {
  return violations.some((violation) => violation.enforcementLevel === "mandatory");
}

/** Stable order for output: by policy, then resource (rules report in evaluation order, which varies). */
export function sortViolations(violations: Violation[]): Violation[] {
  return [...violations].sort((a, b) => compareText(a.policy, b.policy) || compareText(a.resource, b.resource));
}
