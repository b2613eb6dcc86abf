/**
 * What a private service and a private job share: their common arguments and
 * their runtime identity. Kept in one place so the two cannot drift apart on
 * a security choice.
 */
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import type * as pulumi from "@pulumi/pulumi";
import { VPC_EGRESS, WORKLOAD_DEFAULTS, type InvokerMode, type ResourceLimits, type SecretReference, type VpcSettings } from "../contract";
import { runtimeAccountId, runtimeMember } from "./naming";

// The defaults this component applies; their values live in contract/, where the config reads them without Pulumi.
export { WORKLOAD_DEFAULTS } from "../contract";

/** Arguments common to `PrivateService` and `PrivateJob`. */
export interface PrivateWorkloadArgs {
  /** GCP project id. */
  project: string;
  /** Cloud Run region, e.g. "asia-east1". */
  region: string;
  /** Digest-pinned image reference (`…@sha256:…`). */
  image: pulumi.Input<string>;
  /**
   * A prebuilt image as the config names it (a tag is resolved into `image`), for the outputs.
   * @default none (the image was built from a source)
   */
  imageReference?: string;
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
  /**
   * Resources the invoker IAM waits for: the runtime accounts of other workloads
   * named among `invokers`, created by the same deploy (RuntimeAccounts).
   * @default []
   */
  invokerDependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * Plain environment variables, name → value.
   * @default {}
   */
  env?: Readonly<Record<string, string>>;
  /**
   * Environment variables holding another service's URL, name → URL (that service's
   * `url` output, so this workload is deployed after it). What the app calls comes
   * from its configuration, never from a request.
   * @default {}
   */
  urlEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Environment variables read from Secret Manager, name → secret in `project`. The
   * workload's runtime account gets `roles/secretmanager.secretAccessor` on each of
   * those secrets, and on nothing else.
   * @default {}
   */
  secrets?: Readonly<Record<string, SecretReference>>;
  /**
   * CPU and memory limits.
   * @default { cpu: WORKLOAD_DEFAULTS.cpu, memory: WORKLOAD_DEFAULTS.memory }
   */
  resources?: ResourceLimits;
  /**
   * Direct VPC egress.
   * @default none (no VPC interface)
   */
  vpc?: VpcSettings;
  /**
   * Labels on the service or job.
   * @default {}
   */
  labels?: Readonly<Record<string, string>>;
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

/** One container environment variable, plain or from Secret Manager (the shape services and jobs share). */
export type ContainerEnv = { name: string; value: pulumi.Input<string> } | { name: string; valueSource: { secretKeyRef: { secret: string; version: string } } };

/**
 * `containers[0].envs`: plain values and secret references, sorted by name so
 * the order of the YAML never shows as a change; undefined when there are none.
 */
export function containerEnvs(args: Pick<PrivateWorkloadArgs, "env" | "urlEnv" | "secrets">): ContainerEnv[] | undefined {
  const plain = Object.entries({ ...(args.urlEnv ?? {}), ...(args.env ?? {}) }).map(([name, value]): ContainerEnv => ({ name, value }));
  const secret = Object.entries(args.secrets ?? {}).map(
    ([name, ref]): ContainerEnv => ({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } }),
  );
  const envs = [...plain, ...secret].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return envs.length > 0 ? envs : undefined;
}

/** `containers[0].resources.limits`, the defaults applied. */
export function resourceLimits(args: Pick<PrivateWorkloadArgs, "resources">): ResourceLimits {
  return { cpu: args.resources?.cpu ?? WORKLOAD_DEFAULTS.cpu, memory: args.resources?.memory ?? WORKLOAD_DEFAULTS.memory };
}

/** `template.vpcAccess` for Direct VPC egress (one network interface), or undefined without a VPC. */
export function vpcAccess(vpc: VpcSettings | undefined): { networkInterfaces: { network?: string; subnetwork?: string }[]; egress: string } | undefined {
  if (!vpc) return undefined;
  const networkInterface = { ...(vpc.network ? { network: vpc.network } : {}), ...(vpc.subnetwork ? { subnetwork: vpc.subnetwork } : {}) };
  return { networkInterfaces: [networkInterface], egress: VPC_EGRESS[vpc.egress ?? WORKLOAD_DEFAULTS.vpcEgress] };
}

/** Labels, or undefined when there are none (so a workload without labels registers no `labels` input). */
export function workloadLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  return labels && Object.keys(labels).length > 0 ? { ...labels } : undefined;
}

/**
 * The stack's runtime accounts by IAM member, for invoker IAM that names
 * another workload (`workload:NAME`): that workload may be created later in the
 * same deploy, and IAM refuses a binding naming an account that does not exist
 * yet. `dependencies(invokers)` gives promises of those accounts; `add` keeps
 * each promise once its workload is constructed.
 */
export class RuntimeAccounts {
  private readonly pending = new Map<string, { account: Promise<pulumi.Resource>; resolve: (account: pulumi.Resource) => void }>();

  constructor(project: string, workloads: readonly { kind: "service" | "job"; name: string }[]) {
    for (const { kind, name } of workloads) {
      let resolve!: (account: pulumi.Resource) => void;
      const account = new Promise<pulumi.Resource>((done) => (resolve = done));
      this.pending.set(runtimeMember(kind, name, project), { account, resolve });
    }
  }

  /** The accounts among `members` that belong to workloads of this stack. */
  dependencies(members: readonly string[]): Promise<pulumi.Resource>[] {
    return members.flatMap((member) => {
      const pending = this.pending.get(member);
      return pending ? [pending.account] : [];
    });
  }

  /** Records a workload's runtime account, releasing the invoker IAM waiting for it. */
  add(kind: "service" | "job", name: string, project: string, account: pulumi.Resource): void {
    this.pending.get(runtimeMember(kind, name, project))?.resolve(account);
  }
}
