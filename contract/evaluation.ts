/**
 * What one run of the real program under Pulumi's mock engine produces
 * (offline/evaluate.ts), as the plan, the policy rules and the tests read it.
 */

/** One resource the program registered, as the mock engine saw it. */
export interface RegisteredResource {
  /** Pulumi type token, e.g. "gcp:cloudrunv2/service:Service" (contract/resources.ts). */
  type: string;
  /** Logical name given to the resource, e.g. "hello-service". */
  name: string;
  /** Logical name of the parent component, or null for top-level resources. */
  parent: string | null;
  /** Full URN, unique within an evaluation. */
  urn: string;
  /** Every input as registered, secrets unwrapped (callers decide how to show them). */
  inputs: Record<string, unknown>;
  /** Input keys that were marked secret (shown as "[secret]" in the plan's output). */
  secretInputs: string[];
  /** True for component resources (they group children in the plan's tree). */
  component: boolean;
  /**
   * What a component registered with `registerOutputs`, secrets unwrapped (the root
   * stack's are the stack outputs). Absent for custom resources. Shapes of this
   * project's components: contract/components.ts.
   */
  outputs?: Record<string, unknown>;
  /**
   * URNs this resource waits for, as the engine was told: explicit `dependsOn`
   * and the resources whose outputs its inputs use.
   */
  dependencies?: string[];
}

/** The result of running the real program once under the mock engine. */
export interface Evaluation {
  project: string;
  stack: string;
  /** Every resource, in registration order. */
  resources: RegisteredResource[];
  /** The stack's outputs, secrets unwrapped. Shape: StackOutputs (contract/outputs.ts). */
  outputs: Record<string, unknown>;
}
