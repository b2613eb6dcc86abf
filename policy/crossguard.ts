/**
 * Adapts the plain rules (policy/rules.ts) to CrossGuard policies, so
 * `pulumi preview --policy-pack policy` and `npm start` run the same code.
 * Nothing here constructs a PolicyPack (that starts a gRPC server); index.ts does.
 */
import {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  UnknownValueError,
} from "@pulumi/policy";
import { unverifiedMessage } from "./checks/evaluate";
import { PolicyRule, ResourceUnderTest, RuleContext, UNKNOWN, UnverifiedInput } from "./checks/types";

/**
 * Copies CrossGuard's props into plain data. CrossGuard hands policies a proxy
 * that throws UnknownValueError when a computed value is read; we read every
 * value once and turn those into {@link UNKNOWN}, so rules see the same data
 * here as in the offline plan.
 */
export function toPlainInputs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((_, index) => readPlain(value, index));
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = readPlain(value as Record<string, unknown>, key);
    return copy;
  }
  return value;
}

/** Reads one property through the proxy; a computed one becomes UNKNOWN. */
function readPlain(container: Record<string | number, unknown> | unknown[], key: string | number): unknown {
  try {
    return toPlainInputs((container as Record<string | number, unknown>)[key]);
  } catch (error) {
    if (error instanceof UnknownValueError) return UNKNOWN;
    throw error;
  }
}

/** The stack name inside a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`), "" if it is not one. */
export function stackOfUrn(urn: string): string {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match ? match[1] : "";
}

/** Rules say why they could not decide; CrossGuard hears it as "not applicable" for this run. */
function notApplicableReason(unverified: UnverifiedInput[]): string {
  return unverified.map(unverifiedMessage).join("; ");
}

/** Wraps a rule's per-resource check as a CrossGuard resource policy. */
function resourcePolicy(rule: PolicyRule, check: NonNullable<PolicyRule["check"]>): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const resource: ResourceUnderTest = { type: args.type, name: args.name, inputs: toPlainInputs(args.props) as Record<string, unknown>, urn: args.urn };
      const unverified: UnverifiedInput[] = [];
      const ctx: RuleContext = { stack: stackOfUrn(args.urn), unverified: (input) => unverified.push(input) };
      const messages = check(resource, ctx);
      messages.forEach((message) => reportViolation(message));
      // During preview a computed input cannot be judged; `pulumi up` calls the pack again with it resolved.
      if (messages.length === 0 && unverified.length > 0) args.notApplicable(notApplicableReason(unverified));
    },
  };
}

/** Wraps a rule's whole-stack check as a CrossGuard stack policy, attributing findings to resource URNs. */
function stackPolicy(name: string, rule: PolicyRule, checkStack: NonNullable<PolicyRule["checkStack"]>): StackValidationPolicy {
  return {
    name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const resources = args.resources.map(
        (r: PolicyResource): ResourceUnderTest => ({ type: r.type, name: r.name, inputs: toPlainInputs(r.props) as Record<string, unknown>, urn: r.urn }),
      );
      const urnOf = (name: string, type: string) => args.resources.find((r) => r.name === name && r.type === type)?.urn;
      const unverified: UnverifiedInput[] = [];
      const stack = args.resources.length > 0 ? stackOfUrn(args.resources[0].urn) : "";
      const findings = checkStack(resources, { stack, unverified: (input) => unverified.push(input) });
      findings.forEach((f) => reportViolation(f.message, urnOf(f.resource, f.type)));
      if (findings.length === 0 && unverified.length > 0) args.notApplicable(notApplicableReason(unverified));
    },
  };
}

/**
 * One CrossGuard policy per rule (a rule with both checks gives two, the stack
 * one suffixed `-stack`), with the rule's name, description and level.
 */
export function toPolicies(rules: readonly PolicyRule[]): Policies {
  return rules.flatMap((rule): Policies => {
    const policies: Policies = [];
    if (rule.check) policies.push(resourcePolicy(rule, rule.check));
    if (rule.checkStack) policies.push(stackPolicy(rule.check ? `${rule.name}-stack` : rule.name, rule, rule.checkStack));
    return policies;
  });
}
