/**
 * The policy engine's contract as the plan consumes it (policy/rules.ts implements
 * `evaluatePolicies`); kept here so the plan's pure parts do not load the rules.
 */

/** One policy finding on one resource. */
export interface Violation {
  policy: string;
  /** Logical name (or URN) of the offending resource. */
  resource: string;
  /** Pulumi type token of the offending resource. */
  type: string;
  message: string;
  enforcementLevel: "mandatory" | "advisory";
}

/** True when any violation must fail the plan (exit 1). */
export function hasMandatory(violations: Violation[]): boolean {
  return violations.some((violation) => violation.enforcementLevel === "mandatory");
}
