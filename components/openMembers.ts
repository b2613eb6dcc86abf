/**
 * IAM members that are not public but must never be granted either: a
 * wildcard, a set anyone can join (a consumer mail domain, a googlegroups.com
 * group), every service account or service agent of a project, folder or
 * organization, or a principal set IAM does not document for allow policies
 * (https://cloud.google.com/iam/docs/principal-identifiers). Pure; the config
 * and InvokerAccess share it. The policy pack and the emulator judge the same
 * members with code of their own (policy/checks/members.ts, emulator/members.ts).
 */

/**
 * Mail domains where anyone can open an account (a `domain:` grant there never
 * names one organisation), and googlegroups.com, where anyone can create a
 * Google group and let anyone join it.
 */
export const OPEN_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com",
  "googlemail.com",
  "googlegroups.com",
  "yahoo.com",
  "ymail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.com",
  "gmx.net",
  "mail.com",
  "yandex.com",
  "yandex.ru",
  "qq.com",
  "163.com",
]);

const FIX = "list the users, groups of your organisation or service accounts that need access instead";

/** The principal sets IAM documents for allow policies, by shape (refused ones first). */
const EVERY_ACCOUNT = /^principalSet:\/\/cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\/[^/]+\/type\/(ServiceAccount|ServiceAgent)$/i;
const DOCUMENTED_SETS: RegExp[] = [
  /^principalSet:\/\/goog\/group\/[^/]+@[^/]+$/,
  /^principalSet:\/\/goog\/cloudIdentityCustomerId\/[^/]+$/,
  // A workforce or workload pool: a group, an attribute value, or (GKE) a namespace or kubernetes.* attribute.
  /^principalSet:\/\/iam\.googleapis\.com\/locations\/global\/workforcePools\/[^/]+\/(group\/[^/]+|attribute\.[^/]+\/.+)$/,
  /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/[^/]+\/(group\/[^/]+|attribute\.[^/]+\/.+|namespace\/[^/]+|kubernetes\.[^/]+\/.+)$/,
];

/** Why `member` (already known not to be public) must not be granted, phrased to follow the value; undefined when it may be. */
export function openMemberProblem(member: string): string | undefined {
  if (member.includes("*")) return `is a wildcard: it grants whoever matches, now or later, not named principals; ${FIX}`;
  const lower = member.toLowerCase();
  const domain = lower.startsWith("domain:") ? lower.slice("domain:".length) : /^(group:|principalset:\/\/goog\/group\/)/.test(lower) ? lower.split("@")[1] : undefined;
  if (domain !== undefined && OPEN_MAIL_DOMAINS.has(domain)) {
    return `is on ${domain}, where anyone can open an account or create a group, so it would grant anyone who signs up; ${FIX}`;
  }
  if (!lower.startsWith("principalset://")) return undefined;
  if (EVERY_ACCOUNT.test(member)) {
    return `names every service account or service agent of a project, folder or organization, including default compute accounts and ones created later; ${FIX}`;
  }
  // A set without a path is malformed, which the parser says in its own words.
  const hasPath = /^principalset:\/\/[^/]+\/./.test(lower);
  if (hasPath && !DOCUMENTED_SETS.some((pattern) => pattern.test(member))) {
    return (
      "is not a principal set IAM documents for allow policies; write a group (…/group/GROUP), an attribute value (…/attribute.NAME/VALUE), " +
      "a Cloud Identity customer (principalSet://goog/cloudIdentityCustomerId/ID), or a single principal:// identity (https://cloud.google.com/iam/docs/principal-identifiers)"
    );
  }
  return undefined;
}
