import type { Evaluation } from "../contract";
import { maskedInputs } from "./secrets";
import { compareResources } from "./tree";
import { sortViolations, type Violation } from "./policyTypes";

/** One resource in the `--json` document. */
export interface PlanJsonResource {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, unknown>;
}

/** The `--json` document, exactly as docs/plan.md describes it. */
export interface PlanJsonDocument {
  stack: string;
  resources: PlanJsonResource[];
  /** Each with its level (mandatory fails the plan, advisory does not); `unverified` when an input is computed until deploy. */
  violations: { policy: string; resource: string; message: string; enforcementLevel: Violation["enforcementLevel"]; unverified?: true }[];
}

/**
 * Builds the `--json` document: every registered resource, secrets shown as "[secret]",
 * sorted by logical name then type (registration order varies between runs; two
 * documents of the same config must be identical).
 */
export function planDocument(evaluation: Evaluation, violations: Violation[]): PlanJsonDocument {
  return {
    stack: evaluation.stack,
    resources: [...evaluation.resources].sort(compareResources).map((resource) => ({
      type: resource.type,
      name: resource.name,
      parent: resource.parent,
      inputs: maskedInputs(resource),
    })),
    violations: sortViolations(violations).map(({ policy, resource, message, enforcementLevel, unverified }) => ({
      policy,
      resource,
      message,
      enforcementLevel,
      ...(unverified ? { unverified: true as const } : {}),
    })),
  };
}
