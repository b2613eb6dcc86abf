/**
 * A job run on a schedule: one Cloud Scheduler job that starts an execution
 * through the Cloud Run Admin API (POST …/jobs/NAME:run) with an OAuth token
 * of a dedicated scheduler account. That account has no project role and is
 * not the job's runtime account: the only grant it ever gets is the job's
 * invoker role, on that one job, which the job's invoker IAM adds itself.
 */
import * as cloudscheduler from "@pulumi/gcp/cloudscheduler";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountEmail, type ScheduleSettings } from "../contract";
import { schedulerAccountId } from "./naming";
import { jobRunUrl } from "./smokeTestBuilders";

/** The OAuth scope Cloud Scheduler asks for: the Cloud Run Admin API takes cloud-platform tokens. */
export const SCHEDULER_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The invoker role a scheduler account may not get: it would also let it change what the job runs. */
export const OVERRIDES_ROLE = "roles/run.jobsExecutorWithOverrides";

/** The scheduler account's IAM member, known from config alone (so the job's binding in the plan is exact). */
export function schedulerMember(jobName: string, project: string): string {
  return `serviceAccount:${serviceAccountEmail(schedulerAccountId(jobName), project)}`;
}

export interface JobScheduleArgs {
  project: string;
  region: string;
  /** The Cloud Run job's name. */
  jobName: string;
  schedule: ScheduleSettings;
  /** The PrivateJob component. */
  parent: pulumi.Resource;
  /** Resources to create first (the enabled APIs). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The dedicated scheduler account of one job: no project role, no key, no other grant. */
export function schedulerAccount(args: JobScheduleArgs): serviceaccount.Account {
  return new serviceaccount.Account(
    `${args.jobName}-scheduler-sa`,
    { project: args.project, accountId: schedulerAccountId(args.jobName), displayName: `Cloud Scheduler trigger of job ${args.jobName} (may only run it)` },
    { parent: args.parent, dependsOn: args.dependsOn },
  );
}

/**
 * The Cloud Scheduler job: POST to the job's :run URL, as the scheduler account.
 * `grants` are the job's invoker IAM resources, which hold the scheduler
 * account: the schedule starts after them, so its first run is not refused.
 */
export function scheduleJob(args: JobScheduleArgs, account: serviceaccount.Account, grants: pulumi.Resource[]): cloudscheduler.Job {
  return new cloudscheduler.Job(
    `${args.jobName}-schedule`,
    {
      project: args.project,
      region: args.region,
      name: `${args.jobName}-schedule`,
      description: `Runs Cloud Run job ${args.jobName} (managed by Pulumi)`,
      schedule: args.schedule.cron,
      timeZone: args.schedule.timeZone,
      httpTarget: {
        uri: jobRunUrl({ name: args.jobName, project: args.project, region: args.region }),
        httpMethod: "POST",
        // An OAuth access token, not an OIDC token: the target is a Google API, not the job itself.
        oauthToken: { serviceAccountEmail: account.email, scope: SCHEDULER_SCOPE },
      },
    },
    { parent: args.parent, dependsOn: [...(args.dependsOn ?? []), account, ...grants] },
  );
}
