/**
 * Runs every rule over every resource of an offline (mock) evaluation: what
 * `npm start` calls. The CrossGuard pack runs the same rules through
 * policy/crossguard.ts.
 */
import type { RegisteredResource } from "../../contract";
import { normalizeInputs } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext, UnverifiedInput, Violation } from "./types";

/** The message of an unverified finding: which input is computed and what happens next. */
export function unverifiedMessage(input: UnverifiedInput): string {
  return (
    `cannot verify yet: ${input.path} is computed (unknown until deploy). ` +
    `CrossGuard checks it again during \`pulumi up\`, when the value is known.`
  );
}

/** Runs one rule's per-resource check, collecting violations and unverified inputs. */
function runCheck(rule: PolicyRule, resource: ResourceUnderTest, stack: string): Violation[] {
  const unverified: UnverifiedInput[] = [];
  const ctx: RuleContext = { stack, unverified: (input) => unverified.push(input) };
  const messages = rule.check ? guarded(rule, resource.name, () => rule.check!(resource, ctx)) : [];
  return [
    ...messages.map((message) => violation(rule, resource, message)),
    ...unverified.map((input) => unverifiedViolation(rule, input)),
  ];
}

/** Runs one rule's whole-stack check. */
function runCheckStack(rule: PolicyRule, resources: ResourceUnderTest[], stack: string): Violation[] {
  if (!rule.checkStack) return [];
  const unverified: UnverifiedInput[] = [];
  const ctx: RuleContext = { stack, unverified: (input) => unverified.push(input) };
  const findings = guarded(rule, "(stack)", () => rule.checkStack!(resources, ctx));
  return [
    ...findings.map((f) => ({ policy: rule.name, resource: f.resource, type: f.type, message: f.message, enforcementLevel: rule.enforcementLevel })),
    ...unverified.map((input) => unverifiedViolation(rule, input)),
  ];
}

/** A rule that throws is a bug in the rule: say which rule and which resource, keep the cause. */
function guarded<T>(rule: PolicyRule, resource: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new Error(`policy "${rule.name}" failed on resource "${resource}": ${(error as Error).message}`, { cause: error });
  }
}

function violation(rule: PolicyRule, resource: ResourceUnderTest, message: string): Violation {
  return { policy: rule.name, resource: resource.name, type: resource.type, message, enforcementLevel: rule.enforcementLevel };
}

/** Unverified inputs are advisory even for mandatory rules: mocks and previews legitimately leave values computed. */
function unverifiedViolation(rule: PolicyRule, input: UnverifiedInput): Violation {
  return {
    policy: rule.name,
    resource: input.resource,
    type: input.type,
    message: unverifiedMessage(input),
    enforcementLevel: "advisory",
    unverified: true,
  };
}

/** Converts a registered resource to the plain shape rules read (computed values become UNKNOWN). */
export function toResourceUnderTest(resource: Pick<RegisteredResource, "type" | "name" | "inputs"> & { urn?: string }): ResourceUnderTest {
  const plain: ResourceUnderTest = { type: resource.type, name: resource.name, inputs: normalizeInputs(resource.inputs ?? {}) };
  return resource.urn ? { ...plain, urn: resource.urn } : plain;
}

/**
 * Runs `rules` over `resources` (component resources are skipped: their
 * inputs are not cloud settings). Returns every violation, per-resource rules
 * first in registration order, then whole-stack rules. Callers fail on any
 * `mandatory` entry; `unverified` entries are advisory.
 */
export function evaluateWith(rules: readonly PolicyRule[], resources: RegisteredResource[], ctx: { stack: string }): Violation[] {
  const plain = resources.filter((r) => !r.component).map(toResourceUnderTest);
  const perResource = plain.flatMap((resource) => rules.flatMap((rule) => runCheck(rule, resource, ctx.stack)));
  const perStack = rules.flatMap((rule) => runCheckStack(rule, plain, ctx.stack));
  return [...perResource, ...perStack];
}
