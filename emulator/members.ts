/**
 * IAM member strings as the emulator understands them, and the one question
 * it asks of them: does this member list include this email?
 */

/** Principals that would make a resource public: the emulator models private services only. */
const PUBLIC_MEMBERS = new Set(["allusers", "allauthenticatedusers"]);
const MEMBER_PATTERN = /^(user|serviceAccount|group|domain):(\S+)$/;

/** Group email → member emails, for `group:` members. */
export type GroupDirectory = Record<string, string[]>;

/**
 * Checks IAM member strings; throws one Error naming every bad value, the key
 * it came from and the fix.
 */
export function validateMembers(key: string, members: readonly string[]): void {
  const problems = members.flatMap((member, index) => {
    if (PUBLIC_MEMBERS.has(member.toLowerCase())) {
      return [`${key}[${index}]: "${member}" would make it public; the emulator models private Cloud Run only (list user:, serviceAccount:, group: or domain: members)`];
    }
    if (!MEMBER_PATTERN.test(member)) {
      return [`${key}[${index}]: "${member}" is not an IAM member; write it as user:EMAIL, serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN`];
    }
    return [];
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
