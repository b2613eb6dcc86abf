/**
 * What a private service and a private job share: their common arguments and
 * their runtime identity. Kept in one place so the two cannot drift apart on
 * a security choice.
 */
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import type * as pulumi from "@pulumi/pulumi";
import type { InvokerMode } from "../contract";
import { runtimeAccountId } from "./naming";

/** What a service or a job gets when its args leave a setting out (stack config reads the same values). */
export const WORKLOAD_DEFAULTS = {
  /** Protected until someone turns it off: a destroy or a replacement must be a decision. */
  deletionProtection: true,
} as const;

/** Arguments common to `PrivateService` and `PrivateJob`. */
export interface PrivateWorkloadArgs {
  /** GCP project id. */
  project: string;
  /** Cloud Run region, e.g. "asia-east1". */
  region: string;
  /** Digest-pinned image reference (`…@sha256:…`). */
  image: pulumi.Input<string>;
  /** IAM members allowed to invoke or run the workload (groups already expanded). */
  invokers: readonly string[];
  /**
   * Refuse `pulumi destroy` / replacement until turned off.
   * @default WORKLOAD_DEFAULTS.deletionProtection
   */
  deletionProtection?: boolean;
  /**
   * How invoker IAM is managed.
   * @default INVOKER_DEFAULTS.mode (invokerAccess.ts)
   */
  invokerMode?: InvokerMode;
  /**
   * Role granted to the invokers (a job may choose the narrower `roles/run.jobsExecutor`).
   * @default INVOKER_DEFAULTS.role (invokerAccess.ts)
   */
  invokerRole?: string;
  /** Resources to create first (e.g. the enabled APIs). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The workload's own runtime service account, with NO project roles: a
 * compromised container can do nothing beyond what it is explicitly granted
 * elsewhere, and no two workloads share an identity.
 */
export function runtimeServiceAccount(
  kind: "service" | "job",
  name: string,
  args: PrivateWorkloadArgs,
  parent: pulumi.Resource,
): serviceaccount.Account {
  return new serviceaccount.Account(
    `${name}-sa`,
    { project: args.project, accountId: runtimeAccountId(kind, name), displayName: `Cloud Run ${kind} ${name} (runtime)` },
    { parent, dependsOn: args.dependsOn },
  );
}
