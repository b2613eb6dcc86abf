/**
 * Mandatory: IAM invoker checks stay on. `invokerIamDisabled: true` lets anyone
 * who can reach the URL call the service, the same as `allUsers`
 * (https://cloud.google.com/run/docs/authenticating/public#invoker_check).
 */
import { isPlainObject, isUnknown, readPath, show, TYPES } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** The v1 (Knative) annotation that does what v2's `invokerIamDisabled` does. */
export const V1_INVOKER_IAM_DISABLED_ANNOTATION = "run.googleapis.com/invoker-iam-disabled";

/** True for `true` and for the string "true" in any case (annotations are strings). */
function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

/** v2: the `invokerIamDisabled` input. */
function checkV2(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  const value = resource.inputs.invokerIamDisabled;
  if (isUnknown(value)) {
    unverifiedReporter(resource, ctx)(["invokerIamDisabled"]);
    return [];
  }
  if (!isTrue(value)) return [];
  return [
    `invokerIamDisabled: ${show(value)} turns off the IAM invoker check, which makes ${resource.name} public; ` +
      `this stack never does that. Fix: remove invokerIamDisabled (or set it to false) and grant roles/run.invoker to the listed principals.`,
  ];
}

/** v1: the same switch, as an annotation on `metadata.annotations`. */
function checkV1(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  const steps = ["metadata", "annotations"];
  const annotations = readPath(resource.inputs, steps);
  if (isUnknown(annotations)) {
    unverifiedReporter(resource, ctx)(steps);
    return [];
  }
  if (!isPlainObject(annotations)) return [];
  const value = annotations[V1_INVOKER_IAM_DISABLED_ANNOTATION];
  if (isUnknown(value)) {
    unverifiedReporter(resource, ctx)([...steps, V1_INVOKER_IAM_DISABLED_ANNOTATION]);
    return [];
  }
  if (!isTrue(value)) return [];
  return [
    `metadata.annotations["${V1_INVOKER_IAM_DISABLED_ANNOTATION}"]: ${show(value)} turns off the IAM invoker check, which makes ` +
      `${resource.name} public. Fix: remove the annotation and grant roles/run.invoker to the listed principals.`,
  ];
}

/** Mandatory: no Cloud Run service disables the IAM invoker check. */
export const noInvokerIamDisabled: PolicyRule = {
  name: "cloud-run-invoker-iam-enabled",
  description: "No Cloud Run service sets invokerIamDisabled: true (v2) or the invoker-iam-disabled annotation (v1).",
  enforcementLevel: "mandatory",
  check(resource, ctx) {
    if (resource.type === TYPES.service) return checkV2(resource, ctx);
    if (resource.type === TYPES.v1Service) return checkV1(resource, ctx);
    return [];
  },
};
