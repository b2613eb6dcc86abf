/**
 * Generates the config of a per-PR stack (`Pulumi.pr-<N>.yaml`) from dev's
 * (`Pulumi.dev.yaml`), for the pr-stack workflow:
 *
 *   npx tsx .github/scripts/prStackConfig.ts --pr 42 --from Pulumi.dev.yaml \
 *     --out Pulumi.pr-42.yaml [--invoker serviceAccount:pulumi-smoke@p.iam.gserviceaccount.com] [--project other-project]
 *
 * A PR stack is dev's config with these overrides, and nothing else:
 * - every service and job is renamed `<name>-pr<N>`, so nothing collides with
 *   dev's (or another PR's) services, jobs or runtime service accounts;
 * - in dev's project, the images go to dev's Artifact Registry repository under
 *   their own names (`<image>-pr<N>`) and the PR stack creates no repository
 *   (`createRepository: false`): the deploy account may hold writer on dev's
 *   repository only, which cannot create one, and dev's cleanup settings stay
 *   dev's; in a sandbox project (`--project`) the PR stack creates its own
 *   repository `<repository>-pr<N>` there;
 * - `deletionProtection: false` for the stack and on every workload, so closing
 *   the PR can destroy it;
 * - references to a workload follow its new name: `workload:NAME` in invokers and
 *   in principal groups, and the services named in `serviceUrls`;
 * - `--invoker` (the smoke account) is added to every workload's invokers, so
 *   the smoke test, which calls as that identity, is allowed through;
 * - `--project` (optional; empty means "keep dev's") moves it to a sandbox project;
 * - dev's secrets settings (`secretsprovider`, `encryptedkey`, `encryptionsalt`)
 *   are dropped: the PR stack is created with the KMS provider the workflow
 *   passes, and every later run reads the provider from the stack's own state
 *   (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER). A copied `encryptedkey` is dev's
 *   data key, which matches the PR stack's only by luck, so none is carried.
 *   For the same reason dev's `secure:` values cannot be carried over: they are
 *   refused, naming the keys.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { isPublicPrincipal } from "../../components/principals";
import { REPOSITORY_OWNER_KEYS } from "../../config/schema";
import { NAMESPACE, REPOSITORY_DEFAULTS } from "../../contract";
import { fileErrorReason, runScript, type ScriptIO } from "./cli";

/** A Pulumi.<stack>.yaml document: `config` plus provider/encryption keys. */
export interface StackFile {
  config?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The overrides that turn dev's config into a PR stack's. */
export interface PrStackOverrides {
  /** Pull-request number: the stack is `pr-<pr>`, workloads get `-pr<pr>`. */
  pr: number;
  /** IAM member added to every workload's invokers (the smoke account). */
  invoker?: string;
  /** GCP project for the PR stack; unset keeps dev's `gcp:project`. */
  project?: string;
}

/** Stack name for a pull request. */
export function prStackName(pr: number): string {
  return `pr-${pr}`;
}

/**
 * Parses a pull-request number given on the command line.
 * @throws Error naming the flag, the value and the fix.
 */
export function parsePrNumber(raw: string | undefined): number {
  if (raw === undefined || !/^[1-9][0-9]{0,9}$/.test(raw)) {
    throw new Error(
      `--pr: ${JSON.stringify(raw ?? "")} is not a pull-request number; pass a positive integer, e.g. --pr "\${{ github.event.pull_request.number }}"`,
    );
  }
  return Number(raw);
}

/** Stack-file keys that tie a stack to its own data key: never copied from dev's. */
export const SECRETS_SETTINGS = ["secretsprovider", "encryptedkey", "encryptionsalt"] as const;

/** Dev's config with the PR overrides applied; the input is not modified. */
export function prStackConfig(dev: StackFile, overrides: PrStackOverrides): StackFile {
  refuseSecureValues(dev.config ?? {});
  const config = { ...(dev.config ?? {}) };
  for (const kind of ["services", "jobs"] as const) {
    const key = `${NAMESPACE}:${kind}`;
    if (config[key] === undefined) continue;
    config[key] = workloadList(config[key], key).map((workload) => prWorkload(workload, overrides));
  }
  const groupsKey = `${NAMESPACE}:principals`;
  const groups = config[groupsKey];
  if (isRecord(groups)) {
    config[groupsKey] = Object.fromEntries(Object.entries(groups).map(([group, members]) => [group, Array.isArray(members) ? members.map((m) => renamedMember(m, overrides.pr)) : members]));
  }
  if (overrides.project) {
    const repository = typeof config[`${NAMESPACE}:repository`] === "string" ? config[`${NAMESPACE}:repository`] : REPOSITORY_DEFAULTS.repositoryId;
    config[`${NAMESPACE}:repository`] = `${String(repository)}-pr${overrides.pr}`;
  } else {
    config[`${NAMESPACE}:createRepository`] = false;
    config[`${NAMESPACE}:imageNameSuffix`] = `-pr${overrides.pr}`;
    for (const key of REPOSITORY_OWNER_KEYS) delete config[key];
  }
  config[`${NAMESPACE}:deletionProtection`] = false;
  if (overrides.project) config["gcp:project"] = overrides.project;
  const file: StackFile = { ...dev, config };
  for (const key of SECRETS_SETTINGS) delete file[key];
  return file;
}

/** Secret config is encrypted with dev's data key, which a PR stack does not have. */
function refuseSecureValues(config: Record<string, unknown>): void {
  const secure = Object.keys(config).filter((key) => containsSecure(config[key]));
  if (secure.length > 0) {
    throw new Error(
      `Pulumi.dev.yaml: ${secure.join(", ")} hold${secure.length === 1 ? "s" : ""} a secure: value, encrypted with dev's own data key, which a PR stack cannot decrypt; ` +
        "keep secrets out of the stack config (e.g. in Secret Manager, referenced by name) so PR stacks can copy dev's config",
    );
  }
}

function containsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsSecure);
  if (!isRecord(value)) return false;
  return Object.keys(value).length === 1 && typeof value.secure === "string" ? true : Object.values(value).some(containsSecure);
}

function workloadList(value: unknown, key: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isRecord)) {
    throw new Error(`config.${key}: expected a list of workloads (objects with a name), got ${JSON.stringify(value)}; fix Pulumi.dev.yaml`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `workload:NAME` → `workload:NAME-pr<N>`: the workload it names is renamed too. */
function renamedMember(member: unknown, pr: number): unknown {
  return typeof member === "string" && member.startsWith("workload:") ? `${member}-pr${pr}` : member;
}

function prWorkload(workload: Record<string, unknown>, overrides: PrStackOverrides): Record<string, unknown> {
  const invokers = Array.isArray(workload.invokers) ? (workload.invokers as unknown[]).map((m) => renamedMember(m, overrides.pr)) : [];
  if (overrides.invoker && !invokers.includes(overrides.invoker)) invokers.push(overrides.invoker);
  return {
    ...workload,
    // Suffix, not prefix: Cloud Run names must start with a letter.
    name: `${String(workload.name)}-pr${overrides.pr}`,
    // Ephemeral by design: `pulumi destroy` on PR close must be able to delete it.
    deletionProtection: false,
    invokers,
    ...(isRecord(workload.serviceUrls)
      ? { serviceUrls: Object.fromEntries(Object.entries(workload.serviceUrls).map(([env, service]) => [env, typeof service === "string" ? `${service}-pr${overrides.pr}` : service])) }
      : {}),
  };
}

/** Serialises a stack file with a header saying where it came from. */
export function renderStackFile(file: StackFile, pr: number): string {
  return `# Generated by .github/scripts/prStackConfig.ts for ${prStackName(pr)} from Pulumi.dev.yaml; do not commit.\n${stringify(file)}`;
}

export function main(argv: string[], io: ScriptIO): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      pr: { type: "string" },
      from: { type: "string", default: "Pulumi.dev.yaml" },
      out: { type: "string" },
      invoker: { type: "string" },
      project: { type: "string" },
    },
    strict: true,
  });
  const pr = parsePrNumber(values.pr);
  const invoker = nonEmpty(values.invoker);
  if (invoker !== undefined && isPublicPrincipal(invoker)) {
    throw new Error(`--invoker: "${invoker}" would make every PR stack's workloads public; pass the smoke account, e.g. --invoker "serviceAccount:\${{ vars.GCP_SMOKE_SERVICE_ACCOUNT_DEV }}"`);
  }
  const dev = parse(readStackFile(values.from, io.cwd)) as StackFile;
  // Empty strings come from unset repository variables: treat them as "not given".
  const file = prStackConfig(dev, { pr, invoker, project: nonEmpty(values.project) });
  const out = values.out ?? `Pulumi.${prStackName(pr)}.yaml`;
  writeFileSync(resolve(io.cwd, out), renderStackFile(file, pr));
  io.stderr(`wrote ${out}\n`);
}

function readStackFile(file: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new Error(`--from: cannot read "${file}" (${fileErrorReason(error)}); pass dev's stack file, e.g. --from Pulumi.dev.yaml, from the repository root`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  // "serviceAccount:" alone means the variable behind it was empty.
  return value && !value.endsWith(":") ? value : undefined;
}

if (require.main === module) runScript(main);
