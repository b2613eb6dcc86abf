/**
 * The one place that reads stack config. Everything is validated with zod
 * BEFORE any resource is registered, and every problem is reported at once,
 * each naming the key path, the bad value and the fix (docs/stack.md lists the keys).
 *
 * `parseStackConfig` is pure (a `StackConfig` record in, typed settings out);
 * `readStackConfig` feeds it Pulumi's runtime config. The stack file itself is
 * read by config/stackFile.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, NAMESPACE, type ConfigProblem, type StackConfig, type StackSettings } from "../contract";
import type { PrincipalGroups } from "../components/principals";
import { checkBuildContexts } from "./buildContexts";
import { PROJECT_DIR } from "./stackFile";
import { crossKeyProblems } from "./crossChecks";
import { duplicateNameProblems, groupProblems, repositoryOwnerProblems, sortProblems, toProblems, unknownKeyProblems } from "./problems";
import { parseStack } from "./schema";
import { serviceUrlProblems } from "./serviceUrls";
import { toSettings } from "./settings";
import { internalCallerProblems, policyLimitProblems, WorkloadDirectory } from "./workloadRefs";

export { ConfigError, NAMESPACE };
export type { ConfigProblem, InvokerMode, JobSettings, RepositorySettings, ServiceSettings, StackConfig, StackSettings } from "../contract";
export { JOB_ROLES, SERVICE_ROLES, toSeconds } from "./schema";

/**
 * Validates a stack config (fully qualified keys, values as YAML holds them or
 * as JSON strings as Pulumi's runtime holds them) and returns typed settings
 * with defaults applied. Throws ConfigError listing every problem.
 */
export function parseStackConfig(config: StackConfig): StackSettings {
  const input = decodeValues(config);
  const rawGroups = input[`${NAMESPACE}:principals`];
  const groups: PrincipalGroups = isGroupMap(rawGroups) ? rawGroups : {};
  // `workload:NAME` resolves against the stack's own services and jobs, read from the raw config.
  const workloads = new WorkloadDirectory(input);
  const problems: ConfigProblem[] = [
    ...unknownKeyProblems(input),
    ...groupProblems(groups, workloads.resolve),
    ...duplicateNameProblems(input),
    ...repositoryOwnerProblems(input),
    ...crossKeyProblems(input),
    ...internalCallerProblems(input, groups, workloads),
    ...serviceUrlProblems(input),
    // A scheduled job's binding also holds its scheduler account.
    ...policyLimitProblems(input, groups, workloads.resolve, (kind, raw) => (kind === "job" && raw.schedule !== undefined ? 1 : 0)),
  ];
  const parsed = parseStack(input, groups, workloads.resolve);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...toProblems(issue, input));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(sortProblems(problems));
  return toSettings(parsed.data, groups, workloads.resolve);
}

/**
 * Reads the current stack's config from Pulumi's runtime and validates it,
 * build contexts included (read from `projectDir`, the Pulumi project directory).
 */
export function readStackConfig(projectDir: string = PROJECT_DIR): StackSettings {
  const settings = parseStackConfig(pulumi.runtime.allConfig());
  checkBuildContexts(settings, projectDir);
  return settings;
}

/** Pulumi hands structured and typed values over as JSON strings; YAML files hold them as values. Accept both. */
function decodeValues(config: StackConfig): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const stringKey = [`${NAMESPACE}:repository`, `${NAMESPACE}:deleteUntaggedOlderThan`, `${NAMESPACE}:imageNameSuffix`].includes(key) || !key.startsWith(`${NAMESPACE}:`);
    decoded[key] = typeof value === "string" && !stringKey ? tryJson(value) : value;
  }
  return decoded;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Any mapping: its entries are checked one by one, so one bad group does not hide the good ones. */
function isGroupMap(value: unknown): value is PrincipalGroups {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
