/**
 * `--access`: who can reach what. Every grant of every IAM resource the program
 * registers (Cloud Run, Secret Manager, projects, service accounts, repositories…,
 * made by this project's components or beside them), turned around per principal:
 * principal → the workloads, secrets and other resources it reaches, with the role.
 *
 * What a Cloud Run grant is on comes from the facts the components published (the
 * InvokerAccess that made it), else from the IAM resource's own reference to its
 * service or job; a stack runtime account is recognised by the email its workload
 * published. Nothing is found by matching names of resources, and no IAM resource is
 * left out: a grant whose target is not in the plan still shows, on what it names.
 */
import { isPlainObject, isUnknown, type Evaluation, type RegisteredResource } from "../contract";
import { COMPONENT_TYPES } from "../contract";
import { publishedFacts, type PublishedFacts } from "./facts";
import { shortType, TargetIndex } from "./mermaid";

/** What a grant is on. `key` is what two stacks compare (kind and name). */
export interface AccessTarget {
  kind: "service" | "job" | "secret" | "project" | "folder" | "organization" | "service-account" | "repository" | "resource";
  name: string;
}

/** How the IAM resource holds the grant: a Binding or Policy owns the role's whole member list. */
export type GrantMode = "additive" | "authoritative";

/** One role one principal holds on one target. */
export interface AccessGrant {
  target: AccessTarget;
  role: string;
  mode: GrantMode;
  /** The IAM resource that makes the grant (logical name and type). */
  via: { name: string; type: string };
  /** False when the IAM resource is not part of this project's components (added beside them). */
  byComponents: boolean;
}

/** One principal and everything it can reach. */
export interface PrincipalAccess {
  principal: string;
  /** What the stack knows this principal to be, e.g. "runtime account of service web". */
  note?: string;
  grants: AccessGrant[];
}

/** The `--access` view of one stack. */
export interface AccessView {
  stack: string;
  principals: PrincipalAccess[];
}

/** Stands for a member the offline plan cannot read (computed until deploy): shown, never dropped. */
export const COMPUTED_MEMBER = "(computed until deploy)";

/** `…IamMember`, `…IAMBinding`, `…IamPolicy`: any IAM resource of any provider module. */
const IAM_CLASS = /^(.*?)I[Aa][Mm](Member|Binding|Policy)$/;

/** Who can reach what in one evaluation, principals sorted, each one's grants sorted by target then role. */
export function accessView(evaluation: Evaluation): AccessView {
  const { resources } = evaluation;
  const facts = publishedFacts(resources);
  const targets = new TargetIndex(resources, facts);
  const components = new Map(resources.filter((r) => r.component).map((r) => [r.name, r]));
  const schedulers = schedulerAccounts(evaluation);
  const byPrincipal = new Map<string, AccessGrant[]>();
  for (const iam of resources.filter(isAnyIamResource)) {
    const target = grantTarget(iam, targets, facts);
    const byComponents = madeByComponents(iam, components);
    const mode: GrantMode = IAM_CLASS.exec(typeClass(iam.type))?.[2] === "Member" ? "additive" : "authoritative";
    for (const { member, role } of memberGrants(iam)) {
      const list = byPrincipal.get(member) ?? [];
      list.push({ target, role, mode, via: { name: iam.name, type: iam.type }, byComponents });
      byPrincipal.set(member, list);
    }
  }
  const principals = [...byPrincipal.entries()]
    .sort(([a], [b]) => a.localeCompare(b, "en"))
    .map(([principal, grants]): PrincipalAccess => {
      const note = principalNote(principal, facts, schedulers);
      return { principal, ...(note ? { note } : {}), grants: grants.sort(compareGrants) };
    });
  return { stack: evaluation.stack, principals };
}

/** True for every `*IamMember`/`*IamBinding`/`*IamPolicy` type, whatever the module and the case of "IAM". */
export function isAnyIamResource(resource: RegisteredResource): boolean {
  return !resource.component && IAM_CLASS.test(typeClass(resource.type));
}

/** The (member, role) pairs an IAM resource grants; a member that cannot be read is shown as {@link COMPUTED_MEMBER}. */
export function memberGrants(iam: RegisteredResource): { member: string; role: string }[] {
  const role = roleOf(iam.inputs.role);
  const shape = IAM_CLASS.exec(typeClass(iam.type))?.[2];
  if (shape === "Member") return [{ member: memberOf(iam.inputs.member), role }];
  if (shape === "Binding") {
    const members = iam.inputs.members;
    if (!Array.isArray(members)) return [{ member: COMPUTED_MEMBER, role }];
    return members.map((member) => ({ member: memberOf(member), role }));
  }
  return policyGrants(iam.inputs.policyData);
}

/**
 * Bindings of a policy document. The provider decodes `policyData` with Go's JSON
 * decoder, which matches keys in any case, so `Bindings`/`MEMBERS`/`Role` count too.
 * A document that cannot be read is one unreadable grant, not none.
 */
function policyGrants(policyData: unknown): { member: string; role: string }[] {
  let policy: unknown = policyData;
  if (typeof policyData === "string") {
    try {
      policy = JSON.parse(policyData);
    } catch {
      return [{ member: "(unreadable policyData)", role: "(unknown)" }];
    }
  }
  if (!isPlainObject(policy)) return isUnknown(policyData) ? [{ member: COMPUTED_MEMBER, role: "(unknown)" }] : [];
  return valuesOf(policy, "bindings").flatMap((bindings) =>
    Array.isArray(bindings)
      ? bindings.filter(isPlainObject).flatMap((binding) => {
          // Go's decoder lets a later key overwrite an earlier one, whatever its case: the provider keeps the last role.
          const role = roleOf(valuesOf(binding, "role").at(-1));
          return valuesOf(binding, "members").flatMap((members) => (Array.isArray(members) ? members.map((member) => ({ member: memberOf(member), role })) : []));
        })
      : [],
  );
}

/** Values of every key of `object` that spells `key` in any case. */
function valuesOf(object: Record<string, unknown>, key: string): unknown[] {
  return Object.entries(object)
    .filter(([name]) => name.toLowerCase() === key)
    .map(([, value]) => value);
}

function memberOf(value: unknown): string {
  return typeof value === "string" ? value : COMPUTED_MEMBER;
}

function roleOf(value: unknown): string {
  return typeof value === "string" ? value : "(unknown role)";
}

/**
 * What the grant is on: a Cloud Run workload (from the published facts, else the IAM
 * resource's own reference), else what the IAM resource's inputs name (secret,
 * project, folder, organization, service account, repository), else the IAM
 * resource itself.
 */
function grantTarget(iam: RegisteredResource, targets: TargetIndex, facts: PublishedFacts): AccessTarget {
  const found = targets.of(iam);
  const cloudRun = found && /^gcp:cloudrun(v2)?\//.test(found.type) ? found : undefined;
  if (cloudRun) {
    const workload = facts.workloads.find((w) => w.cloudRun === cloudRun);
    const kind = workload?.kind ?? (cloudRun.type.endsWith(":Job") ? "job" : "service");
    return { kind, name: workload?.name ?? stringInput(cloudRun, "name") ?? cloudRun.name };
  }
  const module = iam.type.split(":")[1]?.split("/")[0] ?? "";
  const inputs = iam.inputs;
  const named = (key: string) => (typeof inputs[key] === "string" ? (inputs[key] as string) : undefined);
  if (module === "secretmanager") return { kind: "secret", name: lastSegment(named("secretId") ?? iam.name) };
  if (module === "projects") return { kind: "project", name: named("project") ?? "(the provider's project)" };
  if (module === "folder") return { kind: "folder", name: named("folder") ?? iam.name };
  if (module === "organizations") return { kind: "organization", name: named("orgId") ?? iam.name };
  if (module === "serviceaccount") return { kind: "service-account", name: lastSegment(named("serviceAccountId") ?? iam.name) };
  if (module === "artifactregistry") return { kind: "repository", name: lastSegment(named("repository") ?? iam.name) };
  if (module === "cloudrunv2" || module === "cloudrun") {
    // A Cloud Run grant on something this plan does not hold: show what it names.
    const kind = typeClass(iam.type).startsWith("Job") ? "job" : "service";
    return { kind, name: lastSegment(named("name") ?? named("service") ?? iam.name) };
  }
  const what = named("name") ?? named("bucket") ?? named("topic") ?? named("subscription") ?? iam.name;
  return { kind: "resource", name: `${shortType(iam.type).replace(/I[Aa][Mm](Member|Binding|Policy)$/, "")} ${lastSegment(what)}` };
}

/** "projects/p/secrets/db-password" → "db-password". */
function lastSegment(reference: string): string {
  return reference.slice(reference.lastIndexOf("/") + 1) || reference;
}

function stringInput(resource: RegisteredResource, key: string): string | undefined {
  return typeof resource.inputs[key] === "string" ? (resource.inputs[key] as string) : undefined;
}

const OWN_COMPONENTS: ReadonlySet<string> = new Set(Object.values(COMPONENT_TYPES));

/** True when one of the IAM resource's ancestors is one of this project's components. */
function madeByComponents(iam: RegisteredResource, components: ReadonlyMap<string, RegisteredResource>): boolean {
  const seen = new Set<string>();
  for (let parent = iam.parent; parent !== null && !seen.has(parent); parent = components.get(parent)?.parent ?? null) {
    seen.add(parent);
    if (OWN_COMPONENTS.has(components.get(parent)?.type ?? "")) return true;
  }
  return false;
}

/** A stack runtime account is named as such (by the email its workload published, case-insensitively). */
function principalNote(principal: string, facts: PublishedFacts, schedulers: ReadonlyMap<string, string>): string | undefined {
  if (!principal.toLowerCase().startsWith("serviceaccount:")) return undefined;
  const email = principal.slice("serviceAccount:".length).toLowerCase();
  const workload = facts.workloads.find((w) => w.serviceAccountEmail.toLowerCase() === email);
  if (workload) return `runtime account of ${workload.kind} ${workload.name}`;
  const job = schedulers.get(email);
  return job ? `Cloud Scheduler's account for job ${job}` : undefined;
}

/** Lower-case email of each scheduled job's dedicated scheduler account → the job, from the stack outputs. */
function schedulerAccounts(evaluation: Evaluation): Map<string, string> {
  const jobs = (evaluation.outputs as { jobs?: Record<string, { scheduler?: { serviceAccountEmail?: unknown } }> }).jobs ?? {};
  const accounts = new Map<string, string>();
  for (const [name, job] of Object.entries(jobs)) {
    const email = job?.scheduler?.serviceAccountEmail;
    if (typeof email === "string") accounts.set(email.toLowerCase(), name);
  }
  return accounts;
}

const KIND_ORDER: AccessTarget["kind"][] = ["service", "job", "secret", "repository", "service-account", "project", "folder", "organization", "resource"];

function compareGrants(a: AccessGrant, b: AccessGrant): number {
  return (
    KIND_ORDER.indexOf(a.target.kind) - KIND_ORDER.indexOf(b.target.kind) ||
    a.target.name.localeCompare(b.target.name, "en") ||
    a.role.localeCompare(b.role, "en") ||
    a.via.name.localeCompare(b.via.name, "en")
  );
}

function typeClass(type: string): string {
  return type.split(":").pop() ?? type;
}

/** "service api", "secret db-password", "project my-project". */
export function describeTarget(target: AccessTarget): string {
  return `${target.kind} ${target.name}`;
}

/** The view as text: one block per principal, one line per grant. */
export function renderAccess(view: AccessView): string[] {
  const grants = view.principals.reduce((count, p) => count + p.grants.length, 0);
  const lines = [`Access in stack "${view.stack}": ${view.principals.length} principal(s), ${grants} grant(s), from every IAM resource the program registers`];
  if (view.principals.length === 0) lines.push("  (no IAM grant: nobody but project owners can reach anything)");
  const width = Math.max(0, ...view.principals.flatMap((p) => p.grants.map((g) => describeTarget(g.target).length)));
  const roleWidth = Math.max(0, ...view.principals.flatMap((p) => p.grants.map((g) => g.role.length)));
  for (const principal of view.principals) {
    lines.push(`  ${principal.principal}${principal.note ? `  (${principal.note})` : ""}`);
    for (const grant of principal.grants) {
      const outside = grant.byComponents ? "" : ", outside the components";
      lines.push(`    ${describeTarget(grant.target).padEnd(width)}  ${grant.role.padEnd(roleWidth)}  via ${grant.via.name} (${grant.mode}${outside})`);
    }
  }
  return lines;
}
