/**
 * What this project's components publish as their registered outputs
 * (`registerOutputs`): the facts the offline plan reads from the component that
 * owns them, by URN, instead of guessing them from names. Pulumi keeps a
 * component's registered outputs in the stack's state
 * (https://www.pulumi.com/docs/iac/concepts/resources/components/#registering-component-outputs).
 */
import { z } from "zod";
import { jobOutputsSchema, serviceOutputsSchema } from "./outputs";

/** Registered by PrivateService and PrivateJob. */
export const workloadComponentOutputsSchema = z.object({
  /** The workload's name: its key under `services` or `jobs` in the stack outputs. */
  name: z.string(),
  /** URN of the Cloud Run service or job. */
  cloudRun: z.string(),
  /** URN of the workload's runtime service account. */
  runtimeServiceAccount: z.string(),
  /** The workload's stack outputs. */
  outputs: z.union([serviceOutputsSchema, jobOutputsSchema]),
});

/** Registered by InvokerAccess. */
export const invokerAccessOutputsSchema = z.object({
  /** URN of the Cloud Run service or job the role is granted on. */
  workload: z.string(),
  /** URNs of the IAM resources that grant it (one Binding, or one Member per principal). */
  grants: z.array(z.string()),
});

export type WorkloadComponentOutputs = z.infer<typeof workloadComponentOutputsSchema>;
export type InvokerAccessOutputs = z.infer<typeof invokerAccessOutputsSchema>;
