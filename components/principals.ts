/**
 * IAM principals: parse, validate and expand the invoker lists of the stack
 * config. Pure functions, no Pulumi, so they are tested as tables
 * (test/stack/principals.suite.ts) and reused by config validation.
 *
 * Security is the point of this file: nothing that means "everyone" may pass.
 */
import { z } from "zod";
import { openMemberProblem } from "./openMembers";

/** IAM member prefixes this stack accepts, with the kind of value each takes. */
export const MEMBER_PREFIXES = ["user", "serviceAccount", "group", "domain"] as const;
/** Workforce / workload identity federation identifiers, accepted as written. */
export const FEDERATED_PREFIXES = ["principal://", "principalSet://"] as const;

/** A string that is a valid IAM member, ready to be granted (emails and domains in lower case). */
export interface MemberRef {
  kind: "member";
  member: string;
}
/** A reference to a named group of `private-cloud-run:principals`. */
export interface GroupRef {
  kind: "group";
  name: string;
}
/** `workload:NAME`: the runtime account of another service or job of the same stack (the config resolves it). */
export interface WorkloadRef {
  kind: "workload";
  name: string;
}
/** Why a string was refused, phrased so that it can follow `key: "value"`. */
export interface PrincipalProblem {
  kind: "invalid";
  message: string;
}
export type ParsedPrincipal = MemberRef | GroupRef | WorkloadRef | PrincipalProblem;

/** The prefix of a reference to a workload of the same stack. */
export const WORKLOAD_PREFIX = "workload:";
/** Cloud Run's names (services and jobs): lowercase letters, digits and dashes, from a letter, not ending with a dash. */
const WORKLOAD_REF_NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;

/**
 * Resolves `workload:NAME` to the member of that workload's runtime account,
 * or says why it cannot (phrased to follow `key: "value"`).
 */
export type WorkloadResolver = (name: string) => { member: string } | { problem: string };

/** Without a stack config there is no workload to name: a component used directly gets members only. */
export const NO_WORKLOADS: WorkloadResolver = () => ({
  problem: `names a workload, which only the stack config can resolve; write that workload's runtime account as serviceAccount:EMAIL`,
});

/** Group names: a letter, then letters, digits, `_` or `-` (no `:`, so never confused with a member). */
const GROUP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const email = z.email();
const hostname = z.hostname();

/** The identifiers that mean "the public". Compared case-insensitively, on every `:` / `/` segment. */
const PUBLIC_SEGMENTS = new Set(["allusers", "allauthenticatedusers"]);

/**
 * True if the string names the public in any spelling: `allUsers`,
 * `ALLUSERS`, `user:allUsers`, `group:allAuthenticatedUsers`, or IAM's
 * `principalSet://goog/public:all`. Used to refuse them with a clear message.
 */
export function isPublicPrincipal(value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower.startsWith("principalset://goog/public") || lower.startsWith("principal://goog/public")) return true;
  return lower.split(/[:/]/).some((segment) => PUBLIC_SEGMENTS.has(segment));
}

/** Parses one entry of an invoker list or of a principals group. */
export function parsePrincipal(raw: unknown): ParsedPrincipal {
  if (typeof raw !== "string") {
    return invalid(`is not a string; write an IAM member such as "user:alice@example.com" or a group name`);
  }
  const value = raw.trim();
  if (value === "") {
    return invalid(`is empty; write an IAM member such as "user:alice@example.com" or a group name, or remove the entry`);
  }
  if (isPublicPrincipal(value)) {
    return invalid(`would make the workload public; this stack never grants public access. List the users, groups or service accounts that need access instead`);
  }
  if (value !== raw) {
    return invalid(`has leading or trailing spaces; remove them`);
  }
  const open = openMemberProblem(value);
  if (open !== undefined) return invalid(open);
  if (FEDERATED_PREFIXES.some((prefix) => value.startsWith(prefix))) return parseFederated(value);
  if (value.startsWith(WORKLOAD_PREFIX)) {
    const name = value.slice(WORKLOAD_PREFIX.length);
    return WORKLOAD_REF_NAME.test(name)
      ? { kind: "workload", name }
      : invalid(`has a malformed workload name after "workload:"; write workload:NAME with the name of a service or job of this stack (lowercase letters, digits and dashes)`);
  }
  const colon = value.indexOf(":");
  if (colon === -1) {
    if (GROUP_NAME.test(value)) return { kind: "group", name: value };
    if (email.safeParse(value).success) {
      const prefix = isServiceAccountEmail(value) ? "serviceAccount" : "user";
      return invalid(`is an email without a member prefix; write ${prefix}:${value}${prefix === "user" ? ` (or group:${value} for a Google group)` : ""}`);
    }
    return invalid(
      `is neither an IAM member nor a group name; prefix it with one of ${MEMBER_PREFIXES.map((p) => `${p}:`).join(", ")}, principal:// or principalSet://, or name a group defined in private-cloud-run:principals`,
    );
  }
  return parsePrefixed(value.slice(0, colon), value.slice(colon + 1), value);
}

/**
 * Emails and domains are case-insensitive in IAM, which stores them in lower
 * case: `user:Alice@Example.com` written as is would show a diff on every
 * `pulumi up` and not merge with `user:alice@example.com`. So the part after
 * the prefix is lower-cased; the prefix itself stays case-sensitive (IAM
 * rejects `serviceaccount:`).
 */
function parsePrefixed(prefix: string, rest: string, value: string): ParsedPrincipal {
  const canonical = `${prefix}:${rest.toLowerCase()}`;
  switch (prefix) {
    case "user":
    case "serviceAccount":
    case "group":
      if (!email.safeParse(rest).success) return invalid(`has a malformed email after "${prefix}:"; write ${prefix}:name@example.com`);
      // IAM keeps people and service accounts apart: the wrong prefix is refused at deploy time, or grants no one.
      if (prefix === "serviceAccount" && !isServiceAccountEmail(rest)) {
        return invalid(`is not a service-account email (those end in gserviceaccount.com, e.g. serviceAccount:ci@my-project.iam.gserviceaccount.com); for a person write user:${rest}`);
      }
      if (prefix !== "serviceAccount" && isServiceAccountEmail(rest)) {
        return invalid(`is a service-account email; write serviceAccount:${rest}`);
      }
      return { kind: "member", member: canonical };
    case "domain":
      return hostname.safeParse(rest).success && rest.includes(".")
        ? { kind: "member", member: canonical }
        : invalid(`has a malformed domain after "domain:"; write domain:example.com`);
    default:
      return invalid(unknownPrefixMessage(prefix, value));
  }
}

/** Google's service-account emails: …@PROJECT.iam.gserviceaccount.com, …@developer.gserviceaccount.com, … */
function isServiceAccountEmail(address: string): boolean {
  return /@(?:[^@]+\.)?gserviceaccount\.com$/i.test(address);
}

function unknownPrefixMessage(prefix: string, value: string): string {
  const known = MEMBER_PREFIXES.find((p) => p.toLowerCase() === prefix.toLowerCase());
  const hint = known ? ` (prefixes are case-sensitive: write ${known}:${value.slice(prefix.length + 1)})` : "";
  return `has an unknown prefix "${prefix}:"; use one of ${MEMBER_PREFIXES.map((p) => `${p}:`).join(", ")}, principal://, principalSet:// or workload:${hint}`;
}

function parseFederated(value: string): ParsedPrincipal {
  // principal://iam.googleapis.com/… and principalSet://iam.googleapis.com/…: a host and a path are required.
  const body = value.slice(value.indexOf("://") + 3);
  const [host, ...path] = body.split("/");
  return host && path.length > 0 && path.every((segment) => segment !== "") && !/\s/.test(value)
    ? { kind: "member", member: value }
    : invalid(`is a malformed federated identifier; write e.g. principal://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/subject/SUBJECT`);
}

function invalid(message: string): PrincipalProblem {
  return { kind: "invalid", message };
}

/** A problem found while expanding, with the index of the offending entry. */
export interface ExpansionProblem {
  /** Index in the list being expanded, or null when the problem is about the list itself. */
  index: number | null;
  value: unknown;
  message: string;
}

/**
 * Named groups of principals, as in `private-cloud-run:principals`. Values are
 * lists once valid; anything else is kept (not dropped) so that a reference to
 * a malformed group is reported as such, not as "not defined".
 */
export type PrincipalGroups = Readonly<Record<string, unknown>>;

/** How deep groups may nest (a group of groups of …): deeper lists are a mistake or an attack on the expander. */
export const MAX_GROUP_DEPTH = 10;

/**
 * Expands an invoker list: group names are replaced by their members
 * (recursively), duplicates are merged quietly (emails and domains compared
 * without letter case, as IAM does), the result is sorted so that two runs on
 * the same config produce the same IAM inputs.
 * Problems are returned, never thrown, so config validation can report them all.
 */
export function expandPrincipals(
  entries: readonly unknown[],
  groups: PrincipalGroups,
  workloads: WorkloadResolver = NO_WORKLOADS,
): { members: string[]; problems: ExpansionProblem[] } {
  const expander = expanderFor(groups, workloads);
  const members = new Set<string>();
  const problems: ExpansionProblem[] = [];
  entries.forEach((entry, index) => {
    const result = expander.resolveEntry(entry);
    if (typeof result === "string") problems.push({ index, value: entry, message: result });
    else result.forEach((member) => members.add(member));
  });
  return { members: [...members].sort(), problems };
}

/** Validates the definitions of the named groups themselves: each entry, and group names. */
export function validateGroups(
  groups: PrincipalGroups,
  workloads: WorkloadResolver = NO_WORKLOADS,
): { group: string; index: number | null; value: unknown; message: string }[] {
  const expander = expanderFor(groups, workloads);
  const problems: { group: string; index: number | null; value: unknown; message: string }[] = [];
  for (const [name, entries] of Object.entries(groups)) {
    if (isPublicPrincipal(name)) {
      // A reference to it would be refused as public anyway; say so where the group is defined.
      problems.push({ group: name, index: null, value: name, message: `names the public; a group cannot be called that, rename it (e.g. everyone-in-eng)` });
      continue;
    }
    if (!GROUP_NAME.test(name)) {
      problems.push({
        group: name,
        index: null,
        value: name,
        message: `is not a valid group name; start with a letter and use only letters, digits, "_" and "-" (no ":")`,
      });
      continue;
    }
    // A group that is not a list is reported by the config schema, once.
    if (!Array.isArray(entries)) continue;
    const tooDeep = expander.depthProblem(name);
    if (tooDeep !== undefined) problems.push({ group: name, index: null, value: entries, message: tooDeep });
    entries.forEach((entry: unknown, index) => {
      const message = expander.definitionProblem(name, entry);
      if (message !== undefined) problems.push({ group: name, index, value: entry, message });
    });
  }
  return problems;
}

/** A group's expansion: its members and how deep it nests (1 = members only), or why it cannot be expanded. */
type Expansion = { members: ReadonlySet<string>; depth: number; longest: string[] } | { cause: string };

/** One expander per groups object and workload resolver: each group is expanded once, however often it is named. */
const expanders = new WeakMap<PrincipalGroups, WeakMap<WorkloadResolver, GroupExpander>>();

function expanderFor(groups: PrincipalGroups, workloads: WorkloadResolver): GroupExpander {
  let byResolver = expanders.get(groups);
  if (byResolver === undefined) expanders.set(groups, (byResolver = new WeakMap()));
  let expander = byResolver.get(workloads);
  if (expander === undefined) byResolver.set(workloads, (expander = new GroupExpander(groups, workloads)));
  return expander;
}

/**
 * Expands named groups with memoisation (each group once, so a group named
 * three times on each of many levels costs no more than one named once) and an
 * explicit stack of groups being expanded (cycle check). Depth is measured, not
 * recursed into blindly: a chain deeper than {@link MAX_GROUP_DEPTH} is a problem.
 */
class GroupExpander {
  private readonly done = new Map<string, Expansion>();
  private readonly expanding: string[] = [];

  constructor(
    private readonly groups: PrincipalGroups,
    private readonly workloads: WorkloadResolver,
  ) {}

  /** One entry of an invoker list: its members, or the message naming the problem and the fix. */
  resolveEntry(entry: unknown): string[] | string {
    const parsed = parsePrincipal(entry);
    if (parsed.kind === "invalid") return parsed.message;
    if (parsed.kind === "member") return [parsed.member];
    if (parsed.kind === "workload") {
      const workload = this.workloads(parsed.name);
      return "problem" in workload ? workload.problem : [workload.member];
    }
    const missing = this.missingGroup(parsed.name);
    if (missing !== undefined) return missing;
    const expansion = this.expand(parsed.name);
    if ("cause" in expansion) return `names group "${parsed.name}", which cannot be expanded: ${expansion.cause}`;
    if (expansion.depth > MAX_GROUP_DEPTH) {
      return `names group "${parsed.name}", which nests groups ${expansion.depth} deep; at most ${MAX_GROUP_DEPTH} levels are allowed: list the members of a deeper group directly`;
    }
    return [...expansion.members];
  }

  /** The problem of entry `entry` in the definition of group `group`, if any. */
  definitionProblem(group: string, entry: unknown): string | undefined {
    const parsed = parsePrincipal(entry);
    if (parsed.kind === "invalid") return parsed.message;
    if (parsed.kind === "member") return undefined;
    if (parsed.kind === "workload") {
      const workload = this.workloads(parsed.name);
      return "problem" in workload ? workload.problem : undefined;
    }
    const missing = this.missingGroup(parsed.name);
    if (missing !== undefined) return missing;
    const cycle = parsed.name === group ? [group, group] : this.pathBetween(parsed.name, group);
    if (cycle !== undefined) return `makes group "${group}" refer to itself (${(parsed.name === group ? cycle : [group, ...cycle]).join(" → ")}); list its members directly`;
    const expansion = this.expand(parsed.name);
    return "cause" in expansion ? `names group "${parsed.name}", which cannot be expanded: ${expansion.cause}` : undefined;
  }

  /**
   * Reported once per over-deep chain, at the group where it first passes the
   * limit (the one whose members a user should list directly).
   */
  depthProblem(group: string): string | undefined {
    const expansion = this.expand(group);
    if ("cause" in expansion || expansion.depth !== MAX_GROUP_DEPTH + 1) return undefined;
    const [first, second, ...rest] = expansion.longest;
    const chain = rest.length > 1 ? [first, second, "…", rest[rest.length - 1]] : expansion.longest;
    return `nests groups ${expansion.depth} deep (${chain.join(" → ")}); at most ${MAX_GROUP_DEPTH} levels are allowed: list the members of a deeper group directly`;
  }

  private missingGroup(name: string): string | undefined {
    if (!Object.prototype.hasOwnProperty.call(this.groups, name)) {
      const known = Object.keys(this.groups);
      return `names a group that is not defined; define it under private-cloud-run:principals${known.length ? ` (defined: ${known.join(", ")})` : ""} or write an IAM member such as "user:alice@example.com"`;
    }
    if (!Array.isArray(this.groups[name])) return `names group "${name}", which is not a list of principals; fix its definition under private-cloud-run:principals`;
    return undefined;
  }

  /** The group's expansion, computed once. */
  private expand(name: string): Expansion {
    const known = this.done.get(name);
    if (known !== undefined) return known;
    const result = this.compute(name);
    this.done.set(name, result);
    return result;
  }

  private compute(name: string): Expansion {
    const entries = this.groups[name];
    if (!Array.isArray(entries)) return { cause: `group "${name}" is not a list of principals; fix its definition under private-cloud-run:principals` };
    this.expanding.push(name);
    try {
      const members = new Set<string>();
      let deepest: string[] = [];
      for (const entry of entries) {
        const parsed = parsePrincipal(entry);
        if (parsed.kind === "invalid") return { cause: `${JSON.stringify(entry)} in group "${name}" ${parsed.message}` };
        if (parsed.kind === "member") {
          members.add(parsed.member);
          continue;
        }
        if (parsed.kind === "workload") {
          const workload = this.workloads(parsed.name);
          if ("problem" in workload) return { cause: `${JSON.stringify(entry)} in group "${name}" ${workload.problem}` };
          members.add(workload.member);
          continue;
        }
        if (!Object.prototype.hasOwnProperty.call(this.groups, parsed.name)) return { cause: `group "${name}" names "${parsed.name}", which is not defined; define it under private-cloud-run:principals or remove the reference` };
        const open = this.expanding.indexOf(parsed.name);
        if (open !== -1) return { cause: `group "${parsed.name}" refers to itself (${[...this.expanding.slice(open), parsed.name].join(" → ")}); fix it under private-cloud-run:principals` };
        const inner = this.expand(parsed.name);
        if ("cause" in inner) return inner;
        inner.members.forEach((member) => members.add(member));
        if (inner.longest.length > deepest.length) deepest = inner.longest;
      }
      return { members, depth: deepest.length + 1, longest: [name, ...deepest] };
    } finally {
      this.expanding.pop();
    }
  }

  /** The groups from `from` to `to` along references (`from` … `to`), or undefined when `to` is not reachable. */
  private pathBetween(from: string, to: string): string[] | undefined {
    const previous = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (current === to) {
        const path: string[] = [];
        for (let step: string | null | undefined = current; step != null; step = previous.get(step)) path.unshift(step);
        return path;
      }
      const entries = this.groups[current];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const parsed = parsePrincipal(entry);
        if (parsed.kind !== "group" || previous.has(parsed.name) || !Object.prototype.hasOwnProperty.call(this.groups, parsed.name)) continue;
        previous.set(parsed.name, current);
        queue.push(parsed.name);
      }
    }
    return undefined;
  }
}
