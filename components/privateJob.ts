/**
 * A private Cloud Run job: dedicated runtime identity, digest-pinned image,
 * and exactly the listed principals may run it. Jobs have no URL: an invoker
 * starts an execution through the Cloud Run Admin API.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import type * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, type JobOutputs } from "../contract";
import { InvokerAccess } from "./invokerAccess";
import { grantSecretAccess } from "./secretAccess";
import { buildJobSmokeTest } from "./smokeTestBuilders";
import { containerEnvs, resourceLimits, runtimeServiceAccount, vpcAccess, workloadLabels, WORKLOAD_DEFAULTS, type PrivateWorkloadArgs } from "./workload";

/** What a job gets when its args leave a setting out (stack config reads the same values). */
export const JOB_DEFAULTS = {
  tasks: 1,
  maxRetries: 3,
  /** Whole seconds, as the API writes durations. */
  timeout: "600s",
};

export interface PrivateJobArgs extends PrivateWorkloadArgs {
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
   * @default JOB_DEFAULTS.tasks
   */
  tasks?: number;
  /**
   * Retries per failed task.
   * @default JOB_DEFAULTS.maxRetries
   */
  maxRetries?: number;
  /**
   * Task timeout, whole seconds.
   * @default JOB_DEFAULTS.timeout
   */
  timeout?: string;
}

/** Runtime service account + cloudrunv2.Job + invoker IAM. */
export class PrivateJob extends pulumi.ComponentResource {
  readonly serviceAccount: serviceaccount.Account;
  /** One additive grant per secret the job reads, to its runtime account only. */
  readonly secretAccess: secretmanager.SecretIamMember[];
  readonly job: cloudrunv2.Job;
  readonly invokerAccess: InvokerAccess;
  /** The stack outputs of this job (StackOutputs.jobs[name]). */
  readonly outputs: pulumi.Output<JobOutputs>;

  constructor(name: string, args: PrivateJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.privateJob, name, {}, opts);
    const self = { parent: this };

    this.serviceAccount = runtimeServiceAccount("job", name, args, this);
    // Cloud Run checks that the runtime account can read each secret when it deploys the job: grant first.
    this.secretAccess = grantSecretAccess(name, { project: args.project, secrets: args.secrets ?? {}, account: this.serviceAccount, parent: this, dependsOn: args.dependsOn });
    this.job = new cloudrunv2.Job(
      `${name}-job`,
      {
        project: args.project,
        location: args.region,
        name,
        deletionProtection: args.deletionProtection ?? WORKLOAD_DEFAULTS.deletionProtection,
        labels: workloadLabels(args.labels),
        template: {
          taskCount: args.tasks ?? JOB_DEFAULTS.tasks,
          template: {
            serviceAccount: this.serviceAccount.email,
            maxRetries: args.maxRetries ?? JOB_DEFAULTS.maxRetries,
            timeout: args.timeout ?? JOB_DEFAULTS.timeout,
            vpcAccess: vpcAccess(args.vpc),
            containers: [{ image: args.image, commands: args.command, args: args.args, envs: containerEnvs(args), resources: { limits: { ...resourceLimits(args) } } }],
          },
        },
      },
      { ...self, dependsOn: [...(args.dependsOn ?? []), ...this.secretAccess] },
    );
    this.invokerAccess = new InvokerAccess(
      `${name}-invokers`,
      { kind: "job", workload: this.job, members: args.invokers, mode: args.invokerMode, role: args.invokerRole, dependsOn: args.invokerDependsOn },
      self,
    );
    const { members: invokers, mode: invokerMode, role: invokerRole } = this.invokerAccess;
    this.outputs = pulumi.all([this.serviceAccount.email, pulumi.output(args.image)]).apply(([serviceAccountEmail, image]) => ({
      audiences: [],
      serviceAccountEmail,
      image,
      invokers,
      invokerMode,
      invokerRole,
      secrets: { ...(args.secrets ?? {}) },
      smokeTest: buildJobSmokeTest({ name, project: args.project, region: args.region }),
    }));
    // The facts the offline plan reads from this component (contract/components.ts).
    this.registerOutputs({ name, cloudRun: this.job.urn, runtimeServiceAccount: this.serviceAccount.urn, outputs: this.outputs });
  }
}
