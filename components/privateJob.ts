/**
 * A private Cloud Run job: dedicated runtime identity, digest-pinned image,
 * and exactly the listed principals may run it. Jobs have no URL: an invoker
 * starts an execution through the Cloud Run Admin API.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import type * as secretmanager from "@pulumi/gcp/secretmanager";
import type * as cloudscheduler from "@pulumi/gcp/cloudscheduler";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, type JobOutputs, type ScheduleSettings } from "../contract";
import { InvokerAccess } from "./invokerAccess";
import { OVERRIDES_ROLE, scheduleJob, schedulerAccount, schedulerMember } from "./jobSchedule";
import { grantSecretAccess } from "./secretAccess";
import { buildJobSmokeTest } from "./smokeTestBuilders";
import { containerEnvs, resourceLimits, runtimeServiceAccount, vpcAccess, workloadLabels, WORKLOAD_DEFAULTS, type PrivateWorkloadArgs } from "./workload";

/** What a job gets when its args leave a setting out (stack config reads the same values). */
export const JOB_DEFAULTS = {
  tasks: 1,
  maxRetries: 3,
  /** Whole seconds, as the API writes durations. */
  timeout: "600s",
  /** A schedule is read in UTC unless the config names a time zone. */
  timeZone: "Etc/UTC",
  /** The smoke test checks who may run the job, and does not execute it. */
  smokeRun: false,
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
  /**
   * Run the job on this schedule: a Cloud Scheduler job, as a dedicated
   * scheduler account that the job's invoker IAM grants its role to.
   * @default none (the job runs when an invoker starts it)
   */
  schedule?: ScheduleSettings;
  /**
   * The smoke test executes the job and waits for success. Off, it only checks
   * the job's IAM (anonymous and outsider refused on `:run`, the invoker's
   * run.jobs.run), so a deploy or a PR push never runs the real job.
   * @default JOB_DEFAULTS.smokeRun
   */
  smokeRun?: boolean;
}

/** Runtime service account + cloudrunv2.Job + invoker IAM. */
export class PrivateJob extends pulumi.ComponentResource {
  readonly serviceAccount: serviceaccount.Account;
  /** One additive grant per secret the job reads, to its runtime account only. */
  readonly secretAccess: secretmanager.SecretIamMember[];
  readonly job: cloudrunv2.Job;
  readonly invokerAccess: InvokerAccess;
  /** The scheduler account and the Cloud Scheduler job, when the job has a schedule. */
  readonly scheduler?: { account: serviceaccount.Account; job: cloudscheduler.Job };
  /** The stack outputs of this job (StackOutputs.jobs[name]). */
  readonly outputs: pulumi.Output<JobOutputs>;

  constructor(name: string, args: PrivateJobArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered: the scheduler account joins the invokers and may only run the job.
    if (args.schedule && args.invokerRole === OVERRIDES_ROLE) {
      throw new Error(`${name}: a scheduled job's scheduler account would get ${OVERRIDES_ROLE}, which also overrides what the job runs; use roles/run.jobsExecutor or roles/run.invoker`);
    }
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
    const schedule = args.schedule && { project: args.project, region: args.region, jobName: name, schedule: args.schedule, parent: this, dependsOn: args.dependsOn };
    const scheduler = schedule && schedulerAccount(schedule);
    // The scheduler account is one more invoker, added here (not by the config): it appears in the binding.
    const members = schedule ? [...args.invokers, schedulerMember(name, args.project)] : args.invokers;
    this.invokerAccess = new InvokerAccess(
      `${name}-invokers`,
      { kind: "job", workload: this.job, members, mode: args.invokerMode, role: args.invokerRole, dependsOn: [...(args.invokerDependsOn ?? []), ...(scheduler ? [scheduler] : [])] },
      self,
    );
    if (schedule && scheduler) this.scheduler = { account: scheduler, job: scheduleJob(schedule, scheduler, this.invokerAccess.resources) };
    const { members: invokers, mode: invokerMode, role: invokerRole } = this.invokerAccess;
    const schedulerOutputs = args.schedule && { serviceAccountEmail: schedulerMember(name, args.project).slice("serviceAccount:".length), schedule: args.schedule.cron, timeZone: args.schedule.timeZone };
    this.outputs = pulumi.all([this.serviceAccount.email, pulumi.output(args.image)]).apply(([serviceAccountEmail, image]) => ({
      audiences: [],
      serviceAccountEmail,
      image,
      ...(args.imageReference !== undefined ? { imageReference: args.imageReference } : {}),
      invokers,
      invokerMode,
      invokerRole,
      secrets: { ...(args.secrets ?? {}) },
      ...(schedulerOutputs ? { scheduler: schedulerOutputs } : {}),
      smokeTest: buildJobSmokeTest({ name, project: args.project, region: args.region, run: args.smokeRun ?? JOB_DEFAULTS.smokeRun }),
    }));
    // The facts the offline plan reads from this component (contract/components.ts).
    this.registerOutputs({ name, cloudRun: this.job.urn, runtimeServiceAccount: this.serviceAccount.urn, outputs: this.outputs });
  }
}
