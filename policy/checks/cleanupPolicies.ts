/**
 * Advisory: Artifact Registry cleanup policies must not be able to delete the
 * image a Cloud Run service or job of this stack is deployed from. A revision
 * whose digest is gone cannot start new instances, and rolling back to it fails.
 *
 * Semantics (Artifact Registry, cleanupPolicies in @pulumi/gcp 9.x): a version
 * is deleted when some DELETE policy matches it and no KEEP policy does. A
 * condition matches when every criterion it sets matches: tagState (default
 * ANY), tagPrefixes, versionNamePrefixes (a Docker version's name is its
 * digest), packageNamePrefixes (the image path inside the repository),
 * olderThan / newerThan. `mostRecentVersions` (KEEP only) keeps the newest
 * keepCount versions of each matching package.
 *
 * What we know about a deployed version: its package and digest (from the
 * image reference, when known). What we do not: its tags, which change when the
 * next build is pushed (a `:latest` moves away and leaves it untagged), and its
 * age, which only grows. So a DELETE policy "could match" unless one of its
 * criteria provably excludes the version, and a KEEP policy "covers" only if
 * all its criteria provably include it, for both the tagged and the untagged
 * case. mostRecentVersions with keepCount >= 1 is taken to cover the deployed
 * version: it is the newest build when it is deployed.
 */
import { isPlainObject, isUnknown, readPath, runtimeTemplatePath, show, TYPES, UNKNOWN, type PathStep } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext, StackFinding } from "./types";

/** An Artifact Registry Docker image reference, split into the parts cleanup policies match on. */
export interface ArtifactImageRef {
  location: string;
  project: string;
  repository: string;
  /** The image path inside the repository (the "package"), e.g. "hello" or "team/hello". */
  packageName: string;
  /** "sha256:<64 hex>" when the reference is digest-pinned. */
  digest?: string;
}

const ARTIFACT_IMAGE = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\/([^@]+?)(?::[^@/:]+)?(?:@(sha256:[0-9a-f]{64}))?$/;

/** Splits `<location>-docker.pkg.dev/<project>/<repository>/<package>[:tag][@sha256:…]`; undefined for other registries. */
export function parseArtifactImage(image: string): ArtifactImageRef | undefined {
  const match = ARTIFACT_IMAGE.exec(image.trim());
  if (!match) return undefined;
  const [, location, project, repository, packageName, digest] = match;
  return { location, project, repository, packageName, digest };
}

/** A container image some workload of the stack runs: its reference, or UNKNOWN while computed. */
interface DeployedImage {
  workload: string;
  image: string | typeof UNKNOWN;
}

/** Every container image of every Cloud Run service (v1 and v2) and job. */
function deployedImages(resources: ResourceUnderTest[]): DeployedImage[] {
  return resources.flatMap((resource) => {
    const template = runtimeTemplatePath(resource.type);
    if (!template) return [];
    const containers = readPath(resource.inputs, [...template, "containers"]);
    if (isUnknown(containers)) return [{ workload: resource.name, image: UNKNOWN }];
    if (!Array.isArray(containers)) return [];
    return containers.flatMap((_, index): DeployedImage[] => {
      const image = readPath(containers, [index, "image"]);
      if (isUnknown(image)) return [{ workload: resource.name, image: UNKNOWN }];
      return typeof image === "string" ? [{ workload: resource.name, image }] : [];
    });
  });
}

/** What we know about one deployed version: undefined fields are unknown. */
interface DeployedVersion {
  label: string;
  packageName?: string;
  digest?: string;
}

/** True when the repository's inputs do not rule out hosting `ref` (unset location/project come from the provider). */
function repositoryMayHost(inputs: Record<string, unknown>, ref: ArtifactImageRef): boolean {
  const sameOrOpen = (value: unknown, expected: string) => value === undefined || isUnknown(value) || value === expected;
  return (
    sameOrOpen(inputs.repositoryId, ref.repository) &&
    sameOrOpen(inputs.location, ref.location) &&
    sameOrOpen(inputs.project, ref.project)
  );
}

/** The deployed versions that may live in this repository. A computed image may live anywhere. */
function versionsIn(repository: ResourceUnderTest, images: DeployedImage[]): DeployedVersion[] {
  return images.flatMap((deployed): DeployedVersion[] => {
    if (isUnknown(deployed.image)) return [{ label: `${deployed.workload}'s image (computed until deploy)` }];
    const ref = parseArtifactImage(deployed.image);
    if (!ref || !repositoryMayHost(repository.inputs, ref)) return [];
    return [{ label: `${deployed.workload}'s image ${deployed.image}`, packageName: ref.packageName, digest: ref.digest }];
  });
}

type TagState = "tagged" | "untagged";

/** Reads a string list criterion; [] when unset. */
function prefixes(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === "string") : [];
}

/** True when some prefix matches `name`; undefined when `name` is unknown (could go either way). */
function prefixMatch(list: string[], name: string | undefined): boolean | undefined {
  if (name === undefined) return undefined;
  return list.some((prefix) => name.startsWith(prefix));
}

/** The condition's tag state, upper-cased, ANY when unset (the API default). */
function tagStateOf(condition: Record<string, unknown>): string {
  return typeof condition.tagState === "string" ? condition.tagState.toUpperCase() : "ANY";
}

/**
 * For one criterion set: does it match the version? true = surely, false =
 * surely not, undefined = depends on what we cannot know (tags, age).
 */
function conditionMatches(condition: Record<string, unknown>, version: DeployedVersion, state: TagState): boolean | undefined {
  const results: (boolean | undefined)[] = [];
  const tagState = tagStateOf(condition);
  if (tagState === "TAGGED") results.push(state === "tagged");
  if (tagState === "UNTAGGED") results.push(state === "untagged");
  const tagPrefixes = prefixes(condition.tagPrefixes);
  // An untagged version has no tag a prefix could match; a tagged one has tags we cannot see.
  if (tagPrefixes.length > 0) results.push(state === "untagged" ? false : undefined);
  const versionPrefixes = prefixes(condition.versionNamePrefixes);
  if (versionPrefixes.length > 0) results.push(prefixMatch(versionPrefixes, version.digest));
  const packagePrefixes = prefixes(condition.packageNamePrefixes);
  if (packagePrefixes.length > 0) results.push(prefixMatch(packagePrefixes, version.packageName));
  // Age: olderThan matches every version eventually, newerThan right after the push.
  if (condition.olderThan !== undefined || condition.newerThan !== undefined) results.push(undefined);
  if (results.includes(false)) return false;
  return results.every((r) => r === true) ? true : undefined;
}

/** True when a DELETE policy could delete the version in this tag state. */
function deleteCouldMatch(policy: Record<string, unknown>, version: DeployedVersion, state: TagState): boolean {
  const condition = isPlainObject(policy.condition) ? policy.condition : {};
  return conditionMatches(condition, version, state) !== false;
}

/** True when a KEEP policy surely keeps the version in this tag state. */
function keepCovers(policy: Record<string, unknown>, version: DeployedVersion, state: TagState): boolean {
  const recent = policy.mostRecentVersions;
  if (isPlainObject(recent)) {
    const keepCount = recent.keepCount;
    const packagePrefixes = prefixes(recent.packageNamePrefixes);
    const packageOk = packagePrefixes.length === 0 || prefixMatch(packagePrefixes, version.packageName) === true;
    if (typeof keepCount === "number" && keepCount >= 1 && packageOk) return true;
  }
  if (isPlainObject(policy.condition)) return conditionMatches(policy.condition, version, state) === true;
  // A KEEP with neither a condition nor mostRecentVersions matches every version.
  return recent === undefined;
}

/** "DELETE" / "KEEP" / other, upper-cased. */
function actionOf(policy: Record<string, unknown>): string {
  return typeof policy.action === "string" ? policy.action.toUpperCase() : "";
}

/** Describes a policy for a message: its id and the criteria it sets. */
function describePolicy(policy: Record<string, unknown>, index: number): string {
  const id = typeof policy.id === "string" ? ` "${policy.id}"` : "";
  const condition = isPlainObject(policy.condition) ? ` condition ${JSON.stringify(policy.condition)}` : " (no condition)";
  return `cleanupPolicies[${index}]${id} (DELETE,${condition})`;
}

/** Path of the first computed value inside `value`, if any. */
function firstUnknown(value: unknown, steps: PathStep[]): PathStep[] | undefined {
  if (isUnknown(value)) return steps;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = firstUnknown(item, [...steps, index]);
      if (found) return found;
    }
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = firstUnknown(item, [...steps, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Findings for one repository. */
function checkRepository(repository: ResourceUnderTest, images: DeployedImage[], ctx: RuleContext): StackFinding[] {
  const { cleanupPolicies, cleanupPolicyDryRun, format } = repository.inputs;
  if (typeof format === "string" && format.toUpperCase() !== "DOCKER") return [];
  if (cleanupPolicyDryRun === true) return []; // dry run: policies are evaluated and logged, nothing is deleted
  const computed = firstUnknown(cleanupPolicies, ["cleanupPolicies"]);
  if (computed) {
    unverifiedReporter(repository, ctx)(computed);
    return [];
  }
  if (!Array.isArray(cleanupPolicies)) return [];
  const policies = cleanupPolicies.filter(isPlainObject);
  const keeps = policies.filter((p) => actionOf(p) === "KEEP");
  const versions = versionsIn(repository, images);
  const findings: StackFinding[] = [];
  policies.forEach((policy, index) => {
    if (actionOf(policy) !== "DELETE") return;
    const exposed = versions.flatMap((version) =>
      (["tagged", "untagged"] as const)
        .filter((state) => deleteCouldMatch(policy, version, state) && !keeps.some((keep) => keepCovers(keep, version, state)))
        .map((state) => `${version.label} once it is ${state}`),
    );
    if (exposed.length === 0) return;
    findings.push({
      resource: repository.name,
      type: repository.type,
      message:
        `${describePolicy(policy, index)} can delete ${exposed.join("; ")}, and no KEEP policy covers it. ` +
        `Fix: let DELETE policies match only tagState UNTAGGED (with olderThan), and add a KEEP policy with ` +
        `mostRecentVersions.keepCount >= 1; or set cleanupPolicyDryRun: true (currently ${show(cleanupPolicyDryRun)}) while you check.`,
    });
  });
  return findings;
}

/** Advisory: no Artifact Registry cleanup policy can delete a digest this stack deploys. */
export const cleanupKeepsDeployedDigest: PolicyRule = {
  name: "artifact-cleanup-keeps-deployed-digest",
  description:
    "Artifact Registry cleanup policies cannot delete the image a Cloud Run service or job of this stack is deployed from (a DELETE policy needs a KEEP that covers it).",
  enforcementLevel: "advisory",
  checkStack(resources, ctx) {
    const images = deployedImages(resources);
    if (images.length === 0) return [];
    return resources.filter((r) => r.type === TYPES.repository).flatMap((repository) => checkRepository(repository, images, ctx));
  },
};
