/**
 * `--access --diff OTHER`: who gains or loses what between two stacks (or a base
 * branch's config and a pull request's). A grant is (principal, role, target); it is
 * gained when OTHER has it and the planned stack does not, lost the other way round.
 * Two IAM resources granting the same thing count once, so moving a grant from one
 * resource to another is no change in access.
 */
import { accessView, describeTarget, type AccessTarget, type AccessView } from "./access";
import type { Evaluation } from "../contract";

/** One role on one target. */
export interface AccessItem {
  target: AccessTarget;
  role: string;
}

/** What one principal gains and loses. */
export interface AccessChange {
  principal: string;
  note?: string;
  gained: AccessItem[];
  lost: AccessItem[];
}

/** The access diff of two evaluations. */
export interface AccessDiff {
  from: string;
  to: string;
  changes: AccessChange[];
}

/** Compares who can reach what in `before` (the planned stack) and `after` (the `--diff` one). */
export function diffAccess(before: Evaluation, after: Evaluation): AccessDiff {
  return diffAccessViews(accessView(before), accessView(after));
}

/** The same, on two access views. */
export function diffAccessViews(before: AccessView, after: AccessView): AccessDiff {
  const old = itemsByPrincipal(before);
  const next = itemsByPrincipal(after);
  const principals = [...new Set([...old.keys(), ...next.keys()])].sort((a, b) => a.localeCompare(b, "en"));
  const changes = principals.flatMap((principal): AccessChange[] => {
    const was = old.get(principal)?.items ?? new Map<string, AccessItem>();
    const now = next.get(principal)?.items ?? new Map<string, AccessItem>();
    const gained = [...now].filter(([key]) => !was.has(key)).map(([, item]) => item);
    const lost = [...was].filter(([key]) => !now.has(key)).map(([, item]) => item);
    if (gained.length + lost.length === 0) return [];
    const note = next.get(principal)?.note ?? old.get(principal)?.note;
    return [{ principal, ...(note ? { note } : {}), gained, lost }];
  });
  return { from: before.stack, to: after.stack, changes };
}

function itemsByPrincipal(view: AccessView): Map<string, { note?: string; items: Map<string, AccessItem> }> {
  const result = new Map<string, { note?: string; items: Map<string, AccessItem> }>();
  for (const principal of view.principals) {
    const items = new Map<string, AccessItem>();
    // Already sorted by target then role (accessView): the maps keep that order.
    for (const grant of principal.grants) items.set(JSON.stringify([grant.target.kind, grant.target.name, grant.role]), { target: grant.target, role: grant.role });
    result.set(principal.principal, { note: principal.note, items });
  }
  return result;
}

/** The diff as text: one block per principal that gains or loses anything. */
export function renderAccessDiff(diff: AccessDiff): string[] {
  const lines = [`Access ${diff.from} → ${diff.to}: who gains (+) or loses (-) what`];
  if (diff.changes.length === 0) lines.push("  (no change in who can reach what)");
  const all = diff.changes.flatMap((change) => [...change.gained, ...change.lost]);
  const width = Math.max(0, ...all.map((item) => describeTarget(item.target).length));
  for (const change of diff.changes) {
    lines.push(`  ${change.principal}${change.note ? `  (${change.note})` : ""}`);
    for (const item of change.gained) lines.push(`    + ${describeTarget(item.target).padEnd(width)}  ${item.role}`);
    for (const item of change.lost) lines.push(`    - ${describeTarget(item.target).padEnd(width)}  ${item.role}`);
  }
  return lines;
}
