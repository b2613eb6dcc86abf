/**
 * How far one IAM member reaches, as the policy pack judges it: the public, a
 * set that must never be granted (a wildcard, a set anyone can join, every
 * service account of a project/folder/organization, a principal set IAM does
 * not document), a broad set (allowed; the plan says how broad), or a named
 * principal. Written apart from the config's parser (components/principals.ts)
 * on purpose: the pack is a second opinion. Forms follow IAM's principal
 * identifiers (https://cloud.google.com/iam/docs/principal-identifiers).
 */

export type MemberReach =
  | { kind: "public" }
  | { kind: "refused"; why: string }
  | { kind: "broad"; breadth: string }
  | { kind: "named" };

/** The identifiers IAM gives "everyone", compared without case on every `:`/`/` segment. */
const PUBLIC_NAMES = new Set(["allusers", "allauthenticatedusers"]);

/**
 * Mail domains where anyone can open an account: a `domain:` grant there never
 * names one organisation. googlegroups.com is where anyone can create a Google
 * group and let anyone join it.
 */
const OPEN_DOMAINS = new Set([
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

const EVERY_ACCOUNT = /^principalset:\/\/cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\/[^/]+\/type\/(serviceaccount|serviceagent)$/i;
const WORKLOAD_POOL = /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/([^/]+)\/(.+)$/;
const WORKFORCE_POOL = /^principalSet:\/\/iam\.googleapis\.com\/locations\/global\/workforcePools\/([^/]+)\/(.+)$/;

/** True when `member` means everyone, in any spelling IAM might be handed. */
export function isPublicMember(member: string): boolean {
  const bare = member.trim().toLowerCase();
  if (bare.startsWith("principalset://goog/public") || bare.startsWith("principal://goog/public")) return true;
  return bare.split(/[:/]/).some((segment) => PUBLIC_NAMES.has(segment.trim()));
}

/** Classifies one member string. */
export function memberReach(member: string): MemberReach {
  if (isPublicMember(member)) return { kind: "public" };
  if (member.includes("*")) return { kind: "refused", why: "is a wildcard: it grants whoever matches, now or later, not named principals" };
  const lower = member.trim().toLowerCase();
  const domain = lower.startsWith("domain:") ? lower.slice("domain:".length) : lower.startsWith("group:") || lower.startsWith("principalset://goog/group/") ? lower.split("@")[1] : undefined;
  if (domain !== undefined && OPEN_DOMAINS.has(domain)) {
    return { kind: "refused", why: `is on ${domain}, where anyone can open an account or create a group, so it grants anyone who signs up` };
  }
  if (lower.startsWith("domain:")) return { kind: "broad", breadth: `every account of the Google Workspace or Cloud Identity domain ${lower.slice(7)}` };
  if (lower.startsWith("principalset://")) return principalSetReach(member);
  return { kind: "named" };
}

function principalSetReach(member: string): MemberReach {
  if (EVERY_ACCOUNT.test(member)) {
    return { kind: "refused", why: "names every service account or service agent of a project, folder or organization, including default compute accounts and ones created later" };
  }
  const customer = /^principalSet:\/\/goog\/cloudIdentityCustomerId\/([^/]+)$/.exec(member);
  if (customer) return { kind: "broad", breadth: `every account of the Google Workspace or Cloud Identity customer ${customer[1]}` };
  if (/^principalSet:\/\/goog\/group\/[^/]+@[^/]+$/.test(member)) return { kind: "named" };
  for (const [pattern, pool] of [
    [WORKLOAD_POOL, "workload identity pool"],
    [WORKFORCE_POOL, "workforce pool"],
  ] as const) {
    const match = pattern.exec(member);
    if (match) return poolSelectorReach(pool, match[1], match[2]);
  }
  return { kind: "refused", why: "is not a principal set IAM documents for allow policies (https://cloud.google.com/iam/docs/principal-identifiers)" };
}

/** `group/G` names a group; `attribute.NAME/VALUE`, `namespace/NS` (GKE) and `kubernetes.NAME/VALUE` select by attribute. */
function poolSelectorReach(pool: string, id: string, selector: string): MemberReach {
  if (/^group\/[^/]+$/.test(selector)) return { kind: "named" };
  const namespace = /^namespace\/([^/]+)$/.exec(selector);
  if (namespace) return { kind: "broad", breadth: `every Kubernetes service account in namespace ${namespace[1]} of ${pool} ${id}` };
  const attribute = /^((?:attribute|kubernetes)\.[^/]+)\/(.+)$/.exec(selector);
  if (attribute) return { kind: "broad", breadth: `every identity of ${pool} ${id} whose ${attribute[1]} is ${attribute[2]}` };
  return { kind: "refused", why: "is not a principal set IAM documents for allow policies (https://cloud.google.com/iam/docs/principal-identifiers)" };
}
