/**
 * IAM principals: parse, validate and expand the invoker lists of the stack
 * config. Pure functions, no Pulumi, so they are tested as tables
 * (test/stack/principals.test.ts) and reused by config validation.
 *
 * Security is the point of this file: nothing that means "everyone" may pass.
 */
import { z } from "zod";

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
/** Why a string was refused, phrased so that it can follow `key: "value"`. */
export interface PrincipalProblem {
  kind: "invalid";
  message: string;
}
export type ParsedPrincipal = MemberRef | GroupRef | PrincipalProblem;

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
  if (lower.startsWith("principalset://goog/public")) return true;
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
  if (FEDERATED_PREFIXES.some((prefix) => value.startsWith(prefix))) return parseFederated(value);
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
  return `has an unknown prefix "${prefix}:"; use one of ${MEMBER_PREFIXES.map((p) => `${p}:`).join(", ")}, principal:// or principalSet://${hint}`;
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
): { members: string[]; problems: ExpansionProblem[] } {
  const members = new Set<string>();
  const problems: ExpansionProblem[] = [];
  entries.forEach((entry, index) => {
    const result = resolveEntry(entry, groups, []);
    if (typeof result === "string") problems.push({ index, value: entry, message: result });
    else result.forEach((member) => members.add(member));
  });
  return { members: [...members].sort(), problems };
}

/** Resolves one entry to its members, or returns the problem message. `trail` holds the groups being expanded (cycle check). */
function resolveEntry(entry: unknown, groups: PrincipalGroups, trail: string[]): string[] | string {
  const parsed = parsePrincipal(entry);
  if (parsed.kind === "invalid") return parsed.message;
  if (parsed.kind === "member") return [parsed.member];
  if (!Object.prototype.hasOwnProperty.call(groups, parsed.name)) {
    const known = Object.keys(groups);
    return `names a group that is not defined; define it under private-cloud-run:principals${known.length ? ` (defined: ${known.join(", ")})` : ""} or write an IAM member such as "user:alice@example.com"`;
  }
  if (trail.includes(parsed.name)) {
    return `makes group "${parsed.name}" refer to itself (${[...trail, parsed.name].join(" → ")}); list its members directly`;
  }
  const group = groups[parsed.name];
  if (!Array.isArray(group)) return `names group "${parsed.name}", which is not a list of principals; fix its definition under private-cloud-run:principals`;
  const resolved: string[] = [];
  for (const member of group) {
    const inner = resolveEntry(member, groups, [...trail, parsed.name]);
    if (typeof inner === "string") return `names group "${parsed.name}", which cannot be expanded: ${JSON.stringify(member)} ${inner}`;
    resolved.push(...inner);
  }
  return resolved;
}

/** Validates the definitions of the named groups themselves: each entry, and group names. */
export function validateGroups(groups: PrincipalGroups): { group: string; index: number | null; value: unknown; message: string }[] {
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
    entries.forEach((entry: unknown, index) => {
      const result = resolveEntry(entry, groups, [name]);
      if (typeof result === "string") problems.push({ group: name, index, value: entry, message: result });
    });
  }
  return problems;
}
