/**
 * What a workload runs with, beyond who may call it: its environment, the
 * secrets it reads, its CPU and memory, its network egress, its labels, and
 * (for a job) its schedule. Pure types and values, no Pulumi: config/ fills
 * them from the stack file, components/ maps them onto the resources.
 */

/** Friendly egress names (what the stack config says) → Cloud Run API values. */
export const VPC_EGRESS = {
  /** Only private (RFC 1918 and similar) destinations go through the VPC; the rest leaves directly. */
  "private-ranges-only": "PRIVATE_RANGES_ONLY",
  /** Everything goes through the VPC, calls to *.run.app included (what makes a call to an internal service internal). */
  "all-traffic": "ALL_TRAFFIC",
} as const;
export type VpcEgress = keyof typeof VPC_EGRESS;

/** Direct VPC egress: the network interface a workload's instances get, and what goes through it. */
export interface VpcSettings {
  /** Network name, or `projects/P/global/networks/N` (a Shared VPC host project). */
  network?: string;
  /** Subnetwork name, or `projects/P/regions/R/subnetworks/S` (in the stack's region). */
  subnetwork?: string;
  egress: VpcEgress;
}

/** One secret a workload reads as an environment variable. */
export interface SecretReference {
  /** The secret's id in the stack's project (never a value, never another project's secret). */
  secret: string;
  /** A version number ("3") or "latest". */
  version: string;
}

/** CPU and memory limits of the workload's container, as the Cloud Run API writes them ("2", "2Gi"). */
export interface ResourceLimits {
  cpu: string;
  memory: string;
}

/** What services and jobs both run with. */
export interface RuntimeSettings {
  /** Plain environment variables, name → value. */
  env: Record<string, string>;
  /** Environment variables holding another service's URL, name → that service's name (set from its `url` output). */
  serviceUrls: Record<string, string>;
  /** Environment variables read from Secret Manager, name → secret. */
  secrets: Record<string, SecretReference>;
  resources: ResourceLimits;
  /** Direct VPC egress, when configured. */
  vpc?: VpcSettings;
  /** Labels on the service or job itself. */
  labels: Record<string, string>;
}

/** Instance scaling of a service. */
export interface ScalingSettings {
  min: number;
  max: number;
}

/** When Cloud Scheduler runs a job. */
export interface ScheduleSettings {
  /** unix-cron, five fields: "0 3 * * *". */
  cron: string;
  /** IANA time zone the cron is read in: "Etc/UTC", "Europe/Paris". */
  timeZone: string;
}

/** A service account's email, known from config alone (IAM gives every account accountId@project.iam.gserviceaccount.com), so the plan stays exact. */
export function serviceAccountEmail(accountId: string, project: string): string {
  return `${accountId}@${project}.iam.gserviceaccount.com`;
}
