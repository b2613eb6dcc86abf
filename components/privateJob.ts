/**
 * A private Cloud Run job: dedicated runtime identity, digest-pinned image,
 * and exactly the listed principals may run it. Jobs have no URL: an invoker
 * starts an execution through the Cloud Run Admin API.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { InvokerAccess, type InvokerMode } from "./invokerAccess";
import { runtimeAccountId } from "./naming";
import { buildJobSmokeTest, type JobOutputs } from "./smokeTest";

export interface PrivateJobArgs {
  /** GCP project id. */
  project: string;
  /** Cloud Run region, e.g. "asia-east1". */
  region: string;
  /** Digest-pinned image reference (`…@sha256:…`). */
  image: pulumi.Input<string>;
  /** IAM members allowed to run the job (groups already expanded). */
  invokers: readonly string[];
  /**
   * Container entrypoint override.
   * @default the image's ENTRYPOINT/CMD
   * @example ["node", "dist/job.js"]
   */
  command?: string[];
  /**
   * Container arguments.
   * @default []
   */
  args?: string[];
  /**
   * Tasks per execution.
   * @default 1
   */
  tasks?: number;
  /**
   * Retries per failed task.
   * @default 3
   */
  maxRetries?: number;
  /**
   * Task timeout, whole seconds.
   * @default "600s"
   */
  timeout?: string;
  /**
   * Refuse `pulumi destroy` / replacement until turned off.
   * @default true
   */
  deletionProtection?: boolean;
  /**
   * How invoker IAM is managed.
   * @default "authoritative"
   */
  invokerMode?: InvokerMode;
  /**
   * Role granted to the invokers (`roles/run.jobsExecutor` is narrower).
   * @default "roles/run.invoker"
   */
  invokerRole?: string;
  /** Resources to create first (e.g. the enabled APIs). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Runtime service account + cloudrunv2.Job + invoker IAM. */
export class PrivateJob extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly job: gcp.cloudrunv2.Job;
  readonly invokerAccess: InvokerAccess;
  /** The stack outputs of this job (StackOutputs.jobs[name]). */
  readonly outputs: pulumi.Output<JobOutputs>;

  constructor(name: string, args: PrivateJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run:index:PrivateJob", name, {}, opts);
    const self = { parent: this };
    const invokerMode = args.invokerMode ?? "authoritative";
    const invokerRole = args.invokerRole ?? "roles/run.invoker";

    // Own identity per workload, with NO project roles.
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      { project: args.project, accountId: runtimeAccountId("job", name), displayName: `Cloud Run job ${name} (runtime)` },
      { ...self, dependsOn: args.dependsOn },
    );
    this.job = new gcp.cloudrunv2.Job(
      `${name}-job`,
      {
        project: args.project,
        location: args.region,
        name,
        deletionProtection: args.deletionProtection ?? true,
        template: {
          taskCount: args.tasks ?? 1,
          template: {
            serviceAccount: this.serviceAccount.email,
            maxRetries: args.maxRetries ?? 3,
            timeout: args.timeout ?? "600s",
            containers: [{ image: args.image, commands: args.command, args: args.args }],
          },
        },
      },
      { ...self, dependsOn: args.dependsOn },
    );
    this.invokerAccess = new InvokerAccess(
      `${name}-invokers`,
      { kind: "job", workload: this.job, members: args.invokers, mode: invokerMode, role: invokerRole },
      self,
    );
    const invokers = this.invokerAccess.members;
    this.outputs = pulumi.all([this.serviceAccount.email, pulumi.output(args.image)]).apply(([serviceAccountEmail, image]) => ({
      audiences: [],
      serviceAccountEmail,
      image,
      invokers,
      invokerMode,
      invokerRole,
      smokeTest: buildJobSmokeTest({ name, project: args.project, region: args.region }),
    }));
    this.registerOutputs({ outputs: this.outputs });
  }
}
