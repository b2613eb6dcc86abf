import { compareText, show, TYPES, type Evaluation, type RegisteredResource } from "../contract";
import { flatten, isScalarArray, sameValue } from "./inputs";
import { SECRET_PLACEHOLDER } from "./secrets";
import { diffAccess } from "./accessDiff";
import { diffWorkloadSettings, renderWorkloadSettings, type WorkloadSettingsChange } from "./diffWorkloads";
import { compareResources } from "./tree";
import { stackOutputs } from "./workloads";

/** Principals granted or revoked on one workload. */
export interface PrincipalChange {
  kind: "service" | "job";
  workload: string;
  /** Whether the workload itself is new in OTHER, gone from it, or in both. */
  status: "added" | "removed" | "changed";
  added: string[];
  removed: string[];
}

/** A resource named by type and logical name. */
export interface ResourceRef {
  type: string;
  name: string;
  parent: string | null;
}

/** One input that differs; secret values are shown as "[secret]". */
export interface InputChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** What changes between two configs: a reviewer's view needing no cloud credentials. */
export interface PlanDiff {
  from: string;
  to: string;
  principals: PrincipalChange[];
  /** Who gains or loses read access to each secret (the workloads' runtime accounts). */
  secretAccess: { secret: string; added: string[]; removed: string[] }[];
  /** What the stack knows a member to be, e.g. "runtime account of service web" (a workload: caller). */
  notes: Record<string, string>;
  /** Runtime settings (env, secret references, limits, scaling, VPC, labels, schedule) that change per workload. */
  workloadSettings: WorkloadSettingsChange[];
  resources: {
    added: ResourceRef[];
    removed: ResourceRef[];
    changed: (ResourceRef & { changes: InputChange[] })[];
  };
}

/**
 * Compares two evaluations of the program: `before` is the planned stack, `after` the
 * `--diff OTHER` one. Resources are matched by URN without its stack part, so the same
 * resource in two stacks (dev, prod) is one resource.
 */
export function diffEvaluations(before: Evaluation, after: Evaluation): PlanDiff {
  return {
    from: before.stack,
    to: after.stack,
    principals: diffPrincipals(before, after),
    secretAccess: diffSecretAccess(before, after),
    notes: { ...runtimeAccountNotes(before), ...runtimeAccountNotes(after) },
    workloadSettings: diffWorkloadSettings(before, after),
    resources: diffResources(before.resources, after.resources),
  };
}

/** Invokers added and removed per workload (a workload that appears or disappears counts all of its invokers). */
export function diffPrincipals(before: Evaluation, after: Evaluation): PrincipalChange[] {
  const changes: PrincipalChange[] = [];
  for (const kind of ["service", "job"] as const) {
    const key = kind === "service" ? "services" : "jobs";
    const old = stackOutputs(before)[key];
    const next = stackOutputs(after)[key];
    for (const workload of unionKeys(old, next)) {
      const was = new Set(old[workload]?.invokers ?? []);
      const now = new Set(next[workload]?.invokers ?? []);
      const added = [...now].filter((member) => !was.has(member)).sort();
      const removed = [...was].filter((member) => !now.has(member)).sort();
      const status = !(workload in old) ? "added" : !(workload in next) ? "removed" : "changed";
      if (added.length + removed.length > 0) changes.push({ kind, workload, status, added, removed });
    }
  }
  return changes;
}

/** `serviceAccount:<runtime account>` → "runtime account of service web", for every workload of a side. */
function runtimeAccountNotes(evaluation: Evaluation): Record<string, string> {
  const outputs = stackOutputs(evaluation);
  const notes: Record<string, string> = {};
  for (const [name, service] of Object.entries(outputs.services)) notes[`serviceAccount:${service.serviceAccountEmail}`] = `runtime account of service ${name}`;
  for (const [name, job] of Object.entries(outputs.jobs)) {
    notes[`serviceAccount:${job.serviceAccountEmail}`] = `runtime account of job ${name}`;
    if (job.scheduler) notes[`serviceAccount:${job.scheduler.serviceAccountEmail}`] = `scheduler of job ${name}`;
  }
  return notes;
}

/** Accessors gained and lost per secret, from the access views of both sides (every Secret Manager grant the program registers). */
export function diffSecretAccess(before: Evaluation, after: Evaluation): PlanDiff["secretAccess"] {
  const bySecret = new Map<string, { added: string[]; removed: string[] }>();
  const entry = (secret: string) => bySecret.get(secret) ?? bySecret.set(secret, { added: [], removed: [] }).get(secret)!;
  for (const change of diffAccess(before, after).changes) {
    const who = change.note ? `${change.principal} (${change.note})` : change.principal;
    for (const item of change.gained) if (item.target.kind === "secret") entry(item.target.name).added.push(`${who} ${item.role}`);
    for (const item of change.lost) if (item.target.kind === "secret") entry(item.target.name).removed.push(`${who} ${item.role}`);
  }
  return [...bySecret.entries()].sort(([a], [b]) => a.localeCompare(b, "en")).map(([secret, { added, removed }]) => ({ secret, added, removed }));
}

/** Resources added, removed and changed (with each changed input path). */
export function diffResources(before: RegisteredResource[], after: RegisteredResource[]): PlanDiff["resources"] {
  // Sorted so the same two configs always give the same diff, whatever the registration order.
  before = [...before].sort(compareResources);
  after = [...after].sort(compareResources);
  const old = new Map(before.map((resource) => [resourceKey(resource), resource]));
  const next = new Map(after.map((resource) => [resourceKey(resource), resource]));
  const added = after.filter((resource) => !old.has(resourceKey(resource))).map(ref);
  const removed = before.filter((resource) => !next.has(resourceKey(resource))).map(ref);
  const changed = after.flatMap((resource) => {
    const previous = old.get(resourceKey(resource));
    if (!previous) return [];
    const changes = inputChanges(previous, resource);
    return changes.length > 0 ? [{ ...ref(resource), changes }] : [];
  });
  return { added, removed, changed };
}

/**
 * The URN without its stack: "urn:pulumi:dev::proj::type::name" → "proj::type::name".
 * Falls back to type + parent + name when the URN does not have Pulumi's shape.
 */
export function resourceKey(resource: RegisteredResource): string {
  // The stack resource is named after the stack ("private-cloud-run-dev"): one per evaluation.
  if (resource.type === TYPES.stack) return TYPES.stack;
  const match = /^urn:pulumi:[^:]*::(.*)$/.exec(resource.urn);
  return match ? match[1] : `${resource.type}::${resource.parent ?? ""}::${resource.name}`;
}

/**
 * Every differing input path. A secret input is compared whole and reported under its
 * own key as "[secret]" (not even its inner structure is shown).
 */
export function inputChanges(before: RegisteredResource, after: RegisteredResource): InputChange[] {
  const secret = new Set([...before.secretInputs, ...after.secretInputs]);
  const visible = (inputs: Record<string, unknown>) => Object.fromEntries(Object.entries(inputs).filter(([key]) => !secret.has(key)));
  const old = flatten(visible(before.inputs), { scalarArraysAsLeaves: true });
  const next = flatten(visible(after.inputs), { scalarArraysAsLeaves: true });
  const paths = [...new Set([...old.keys(), ...next.keys()])].filter((path) => path !== "");
  const changes: InputChange[] = paths
    .filter((path) => !sameValue(old.get(path), next.get(path)))
    .map((path) => ({ path, before: old.get(path), after: next.get(path) }));
  const secretChanges = [...secret]
    .filter((key) => !sameValue(before.inputs[key], after.inputs[key]))
    .map((key) => ({
      path: key,
      before: key in before.inputs ? SECRET_PLACEHOLDER : undefined,
      after: key in after.inputs ? SECRET_PLACEHOLDER : undefined,
    }));
  return [...changes, ...secretChanges].sort((a, b) => compareText(a.path, b.path));
}

/** The diff as text lines for the human view. */
export function renderDiff(diff: PlanDiff): string[] {
  const lines = [`Diff ${diff.from} → ${diff.to}`, "", "Principals (invokers) per workload, and readers per secret:"];
  if (diff.principals.length === 0) lines.push("  (no change)");
  for (const change of diff.principals) {
    // A reviewer must see that a whole workload (and every grant on it) comes or goes.
    const note = change.status === "changed" ? "" : change.status === "added" ? " (new workload)" : " (workload removed)";
    lines.push(`  ${change.kind} ${change.workload}${note}:`);
    const noted = (member: string) => (diff.notes[member] ? `${member} (${diff.notes[member]})` : member);
    for (const member of change.added) lines.push(`    + ${noted(member)}`);
    for (const member of change.removed) lines.push(`    - ${noted(member)}`);
  }
  for (const { secret, added, removed } of diff.secretAccess) {
    lines.push(`  secret ${secret}:`);
    for (const member of added) lines.push(`    + ${member}`);
    for (const member of removed) lines.push(`    - ${member}`);
  }
  lines.push("", ...renderWorkloadSettings(diff.workloadSettings));
  const { added, removed, changed } = diff.resources;
  lines.push("", `Resources: ${added.length} added, ${removed.length} removed, ${changed.length} changed`);
  for (const resource of added) lines.push(`  + ${resource.name}  (${resource.type})`);
  for (const resource of removed) lines.push(`  - ${resource.name}  (${resource.type})`);
  for (const resource of changed) {
    lines.push(`  ~ ${resource.name}  (${resource.type})`);
    for (const change of resource.changes) lines.push(`      ${change.path}: ${describeChange(change)}`);
  }
  return lines;
}

/** Lists of names (members, tags) read best as "+ added - removed"; anything else as "before → after". */
function describeChange({ before, after }: InputChange): string {
  if (isScalarArray(before) && isScalarArray(after)) {
    const added = after.filter((item) => !before.includes(item)).map((item) => `+ ${show(item, { bare: true, max: 100 })}`);
    const removed = before.filter((item) => !after.includes(item)).map((item) => `- ${show(item, { bare: true, max: 100 })}`);
    const moves = [...added, ...removed];
    return moves.length > 0 ? moves.join("  ") : `reordered ${show(after, { bare: true, max: DIFF_VALUE_WIDTH })}`;
  }
  return `${shown(before)} → ${shown(after)}`;
}

function shown(value: unknown): string {
  return value === undefined ? "(unset)" : show(value, { bare: true, max: DIFF_VALUE_WIDTH });
}

/** Wide enough for a digest-pinned image reference, so the digest that changed is visible. */
const DIFF_VALUE_WIDTH = 200;

function ref(resource: RegisteredResource): ResourceRef {
  return { type: resource.type, name: resource.name, parent: resource.parent };
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
