/**
 * A private Cloud Run job: dedicated runtime identity, digest-pinned image,
 * and exactly the listed principals may run it. Jobs have no URL: an invoker
 * starts an execution through the Cloud Run Admin API.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { InvokerAccess } from "./invokerAccess";
import { buildJobSmokeTest, type JobOutputs } from "./smokeTest";
import { runtimeServiceAccount, type PrivateWorkloadArgs } from "./workload";

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

    this.serviceAccount = runtimeServiceAccount("job", name, args, this);
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
      { kind: "job", workload: this.job, members: args.invokers, mode: args.invokerMode, role: args.invokerRole },
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
      smokeTest: buildJobSmokeTest({ name, project: args.project, region: args.region }),
    }));
    this.registerOutputs({ outputs: this.outputs });
  }
}
