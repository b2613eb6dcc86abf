/**
 * THE table of member spellings every layer is tested against: the config
 * (components/principals.ts), InvokerAccess used directly, the policy rules
 * and the pack (policy/checks/members.ts), and the emulator
 * (emulator/members.ts). The layers are written apart on purpose (the pack and
 * the emulator are second opinions); this one table keeps them agreeing.
 *
 * Forms follow IAM's principal identifiers
 * (https://cloud.google.com/iam/docs/principal-identifiers) and the `members`
 * field of an IAM policy binding.
 */

/**
 * public: everyone, in some spelling. refused: a set anyone can join or one too
 * wide to name (wildcards, consumer domains, every service account of a
 * project…), or a principal set IAM does not document. broad: allowed, and
 * marked in the plan with an advisory saying how broad. named: allowed.
 */
export type Verdict = "public" | "refused" | "broad" | "named";

export interface Spelling {
  member: string;
  verdict: Verdict;
  /** What each layer's refusal (public, refused) or the pack's advisory (broad) says. */
  says?: RegExp;
}

const POOL = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github";
const WORKFORCE = "principalSet://iam.googleapis.com/locations/global/workforcePools/corp";

const PUBLIC = /public/;
const WILDCARD = /wildcard/;
const ANYONE_CAN_JOIN = /anyone can/;
const EVERY_ACCOUNT = /every service account or service agent/;
const UNDOCUMENTED = /not a principal set IAM documents/;

export const SPELLINGS: Spelling[] = [
  // Everyone.
  ...[
    "allUsers",
    "allAuthenticatedUsers",
    "ALLUSERS",
    "allauthenticatedusers",
    "user:allUsers",
    "user:AllUsers",
    "group:allAuthenticatedUsers",
    "serviceAccount:allUsers",
    "domain:allUsers",
    "principalSet://goog/public:all",
    "principalSet://goog/PUBLIC:ALL",
    "principalSet://goog/publicX",
    "principal://goog/public:all",
  ].map((member): Spelling => ({ member, verdict: "public", says: PUBLIC })),

  // Wildcards: IAM has exactly two (a whole federation pool), and both are refused; anything else with * is a mistake.
  ...[
    "*",
    "user:*@example.com",
    "group:*@example.com",
    "domain:*.example.com",
    "serviceAccount:*@my-project.iam.gserviceaccount.com",
    `${POOL}/*`,
    `${WORKFORCE}/*`,
    `${POOL}/attribute.repository/octo/*`,
    "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/*",
    "principalSet://goog/cloudIdentityCustomerId/*",
  ].map((member): Spelling => ({ member, verdict: "refused", says: WILDCARD })),

  // Sets anyone can join: consumer mail domains and consumer Google groups.
  ...["domain:gmail.com", "domain:GoogleMail.com", "domain:yahoo.com", "domain:outlook.com", "domain:hotmail.com", "domain:icloud.com", "group:allusers@googlegroups.com", "group:team@googlegroups.com", "principalSet://goog/group/everyone@googlegroups.com"].map(
    (member): Spelling => ({ member, verdict: "refused", says: ANYONE_CAN_JOIN }),
  ),

  // Every service account (or agent) of a project, folder or organization, present and future.
  ...[
    "principalSet://cloudresourcemanager.googleapis.com/projects/123456789012/type/ServiceAccount",
    "principalSet://cloudresourcemanager.googleapis.com/folders/123456789012/type/ServiceAccount",
    "principalSet://cloudresourcemanager.googleapis.com/organizations/123456789012/type/ServiceAgent",
  ].map((member): Spelling => ({ member, verdict: "refused", says: EVERY_ACCOUNT })),

  // Shapes IAM does not document: a pool without a selector, another host, an unknown goog/ set.
  ...[POOL, "principalSet://example.com/projects/1/everyone", `${WORKFORCE}/department/eng`, "principalSet://goog/everyone"].map(
    (member): Spelling => ({ member, verdict: "refused", says: UNDOCUMENTED }),
  ),

  // Broad, allowed, marked in the plan.
  { member: "domain:example.com", verdict: "broad", says: /every account of the Google Workspace or Cloud Identity domain example\.com/ },
  { member: "principalSet://goog/cloudIdentityCustomerId/C01abc23", verdict: "broad", says: /every account of the Google Workspace or Cloud Identity customer C01abc23/ },
  { member: `${POOL}/attribute.repository/octo/app`, verdict: "broad", says: /every identity of workload identity pool github whose attribute\.repository is octo\/app/ },
  { member: `${WORKFORCE}/attribute.department/eng`, verdict: "broad", says: /every identity of workforce pool corp whose attribute\.department is eng/ },
  {
    member: "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/namespace/prod",
    verdict: "broad",
    says: /every Kubernetes service account in namespace prod/,
  },

  // Named principals (one identity, or a group someone administers).
  ...[
    "user:alice@example.com",
    "user:someone@gmail.com",
    "serviceAccount:ci@my-project.iam.gserviceaccount.com",
    "group:eng@example.com",
    "principal://iam.googleapis.com/locations/global/workforcePools/corp/subject/alice@example.com",
    "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:octo/app:ref:refs/heads/main",
    `${WORKFORCE}/group/admins`,
    `${POOL}/group/deployers`,
  ].map((member): Spelling => ({ member, verdict: "named" })),
];

/** The spellings of one verdict, as `[member, says]` rows for `it.each`. */
export function spellings(...verdicts: Verdict[]): [string, RegExp][] {
  return SPELLINGS.filter((s) => verdicts.includes(s.verdict)).map((s) => [s.member, s.says ?? /./]);
}

/** Member forms the emulator models (it has no federation): the rest it refuses as not modelled. */
export function emulatorModels(member: string): boolean {
  return /^(user|serviceAccount|group|domain):/.test(member);
}
