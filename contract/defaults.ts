/**
 * What the components use when their args leave a setting out, and what the stack
 * config reads as its defaults: the same values on both sides. Plain data, no Pulumi,
 * so the config parser and the workflow scripts read them without loading the program.
 */
import type { VpcEgress } from "./workload";

/** What a service or a job gets when its args leave a setting out (stack config reads the same values). */
export const WORKLOAD_DEFAULTS = {
  /** Protected until someone turns it off: a destroy or a replacement must be a decision. */
  deletionProtection: true,
  /** Cloud Run's own defaults (configuring/services/cpu, configuring/services/memory-limits), said explicitly so the plan shows them. */
  cpu: "1",
  memory: "512Mi",
  /** A secret reference without ":VERSION" reads the newest enabled version when an instance starts. */
  secretVersion: "latest",
  /** Only private destinations go through the VPC unless the config says all-traffic. */
  vpcEgress: "private-ranges-only" as VpcEgress,
};

/** What the repository gets when its args leave a setting out (stack config reads the same values). */
export const REPOSITORY_DEFAULTS = {
  repositoryId: "private-cloud-run",
  /** The stack creates and owns its repository. */
  createRepository: true,
  /** Image names are the sources' own. */
  imageNameSuffix: "",
  keepRecentVersions: 10,
  /** 7 days, in whole seconds: the API takes seconds, and a whole number avoids the provider's fractional-duration bug. */
  deleteUntaggedOlderThan: "604800s",
  /** False = the cleanup policies really delete. */
  cleanupDryRun: false,
};
