/**
 * IAM member strings as the emulator understands them, and the one question
 * it asks of them: does this member list include this email?
 */

/** Names IAM gives "everyone", on any `:`/`/` segment and in any case (`allUsers`, `user:AllUsers`): the emulator models private services only. */
const PUBLIC_NAMES = new Set(["allusers", "allauthenticatedusers"]);
const MEMBER_PATTERN = /^(user|serviceAccount|group|domain):(\S+)$/;
/**
 * Domains where anyone can get an address or a group (a grant there is a grant
 * to whoever signs up). Kept apart from the stack's own list on purpose: the
 * emulator is a second opinion, and the tests hold the two to one table.
 */
const SIGN_UP_DOMAINS = new Set(["gmail.com", "googlemail.com", "googlegroups.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "aol.com", "proton.me", "protonmail.com"]);

/** Why a member cannot be granted here, or undefined. */
function memberProblem(member: string): string | undefined {
  const lower = member.trim().toLowerCase();
  if (lower.startsWith("principalset://goog/public") || lower.startsWith("principal://goog/public") || lower.split(/[:/]/).some((part) => PUBLIC_NAMES.has(part))) {
    return "would make it public; the emulator models private Cloud Run only (list user:, serviceAccount:, group: or domain: members)";
  }
  if (member.includes("*")) return "is a wildcard; list the principals themselves (user:, serviceAccount:, group: or domain: members)";
  const match = MEMBER_PATTERN.exec(member);
  if (!match && /^principal(Set)?:\/\//i.test(member)) return "is a federated principal, which the emulator does not model; write it as user:EMAIL, serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN";
  if (!match) return "is not an IAM member; write it as user:EMAIL, serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN";
  const [, kind, value] = match;
  const domain = kind === "domain" ? value.toLowerCase() : kind === "group" ? value.toLowerCase().split("@")[1] : undefined;
  if (domain !== undefined && SIGN_UP_DOMAINS.has(domain)) return `is on ${domain}, where anyone can sign up; name the accounts or an organisation's group instead`;
  return undefined;
}

/** Group email → member emails, for `group:` members. */
export type GroupDirectory = Record<string, string[]>;

/**
 * Checks IAM member strings; throws one Error naming every bad value, the key
 * it came from and the fix.
 */
export function validateMembers(key: string, members: readonly string[]): void {
  const problems = members.flatMap((member, index) => {
    const problem = memberProblem(member);
    return problem === undefined ? [] : [`${key}[${index}]: ${JSON.stringify(member)} ${problem}`];
  });
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

/** Google's service-account emails (…@PROJECT.iam.gserviceaccount.com, …@developer.gserviceaccount.com, …). */
export function isServiceAccountEmail(email: string): boolean {
  return /@[^@]*gserviceaccount\.com$/i.test(email);
}

/**
 * True when `members` grants `email`: `serviceAccount:` matches service-account
 * emails and `user:` every other email (as IAM keeps the two apart),
 * `domain:` the email's domain, `group:` the group's listed members.
 */
export function membersInclude(members: readonly string[], email: string, groups: GroupDirectory = {}): boolean {
  const wanted = email.toLowerCase();
  const domain = wanted.split("@")[1];
  return members.some((member) => {
    const match = MEMBER_PATTERN.exec(member);
    if (!match) return false;
    const [, kind, value] = match;
    const target = value.toLowerCase();
    switch (kind) {
      case "serviceAccount":
        return isServiceAccountEmail(wanted) && target === wanted;
      case "user":
        return !isServiceAccountEmail(wanted) && target === wanted;
      case "domain":
        return !isServiceAccountEmail(wanted) && target === domain;
      case "group":
        return (groupMembers(groups, target) ?? []).some((m) => m.toLowerCase() === wanted);
      default:
        return false;
    }
  });
}

function groupMembers(groups: GroupDirectory, group: string): string[] | undefined {
  const key = Object.keys(groups).find((name) => name.toLowerCase() === group);
  return key === undefined ? undefined : groups[key];
}

/** The member string IAM would use for this email. */
export function memberFor(email: string): string {
  return `${isServiceAccountEmail(email) ? "serviceAccount" : "user"}:${email}`;
}
