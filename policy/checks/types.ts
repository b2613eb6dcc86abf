/**
 * The shapes every rule shares. Rules are plain functions over plain data, so
 * the same code runs in three places: table tests, the offline plan
 * (`npm start`, through {@link evaluatePolicies}) and the CrossGuard pack
 * (`pulumi preview --policy-pack policy`, through policy/crossguard.ts).
 */

/** What a violation does: `mandatory` fails the deployment (and `npm start`), `advisory` only warns. */
export type EnforcementLevel = "mandatory" | "advisory";

/** One resource as a rule sees it: type token, logical name, inputs as plain data. */
export interface ResourceUnderTest {
  /** Pulumi type token, e.g. "gcp:cloudrunv2/service:Service". */
  type: string;
  /** Logical name, e.g. "hello-service". */
  name: string;
  /** Inputs as plain JSON-like data; computed values are {@link UNKNOWN}. */
  inputs: Record<string, unknown>;
  /**
   * Its URN, when known: the qualified type in it names the parent's type
   * (`…::private-cloud-run:index:InvokerAccess$gcp:cloudrunv2/…::name`).
   */
  urn?: string;
}

/** An input a rule needed but could not read, because it is computed (unknown until deploy). */
export interface UnverifiedInput {
  /** Logical name of the resource holding the input. */
  resource: string;
  /** Its type token. */
  type: string;
  /** Path of the computed input, e.g. "template.containers[0].image". */
  path: string;
}

/** What a rule knows about where it runs. */
export interface RuleContext {
  /** Stack name, e.g. "dev" or "prod" (production-only rules read it). */
  stack: string;
  /**
   * Receives each input the rule needed but found computed. Rules never treat a
   * computed value as passing or failing; they report it here. The caller
   * decides what that means (the offline plan: an advisory "unverified"
   * finding; the CrossGuard adapter: "not applicable during preview").
   * When absent, such inputs are silently skipped.
   */
  unverified?(input: UnverifiedInput): void;
}

/** A finding of a whole-stack rule: which resource, and why. */
export interface StackFinding {
  /** Logical name of the resource the finding is about. */
  resource: string;
  /** Its type token. */
  type: string;
  /** What is wrong, the value, and the fix. */
  message: string;
}

/** One policy: a name, what it enforces, and one or both of a per-resource and a whole-stack check. */
export interface PolicyRule {
  /** Stable identifier (also the CrossGuard policy name), kebab-case. */
  name: string;
  /** One sentence: what the policy enforces. */
  description: string;
  /** Level of every violation this rule reports. */
  enforcementLevel: EnforcementLevel;
  /** Checks one resource; returns one message per violation (empty when it passes or does not apply). */
  check?(resource: ResourceUnderTest, ctx: RuleContext): string[];
  /** Checks all resources together (e.g. cleanup rules against the deployed digests). */
  checkStack?(resources: ResourceUnderTest[], ctx: RuleContext): StackFinding[];
}

/** A violation as the offline plan reports it. */
export interface Violation {
  /** Name of the rule that reported it. */
  policy: string;
  /** Logical name of the offending resource. */
  resource: string;
  /** Type token of the offending resource. */
  type: string;
  /** What is wrong, the value, and the fix. */
  message: string;
  /** The rule's level, or `advisory` for an unverified (computed) input. */
  enforcementLevel: EnforcementLevel;
  /** True when the rule could not decide because an input is computed until deploy. */
  unverified?: boolean;
}

/** The marker of a computed input in the plain data rules read (contract/values.ts). */
export { UNKNOWN, type Unknown } from "../../contract";
