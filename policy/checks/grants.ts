/**
 * The IAM grants a resource makes, read the same way for every kind of IAM
 * resource the pack looks at: one `member`, a list of `members`, or a whole
 * policy in `policyData`. The provider decodes `policyData` with Go's JSON
 * decoder, which matches keys without regard to case (`Bindings`, `MEMBERS`,
 * `Role`), so every spelling of a key is read, not just the lower-case one.
 */
import { formatPath, IAM_BINDING_TYPES, IAM_MEMBER_TYPES, IAM_POLICY_TYPES, isPlainObject, isUnknown, show, type PathStep } from "../../contract";
import { ResourceUnderTest } from "./types";

/** Where the grant is made: what a role granted there reaches. */
export type GrantScope = "cloud-run" | "artifact-registry" | "secret-manager" | "service-account" | "project" | "folder" | "organization";

/** How the resource holds its members. */
type GrantShape = "member" | "binding" | "policy";

/** IAM resources beside Cloud Run's whose grants the pack reads. */
const OTHER_IAM_TYPES: Record<string, { scope: GrantScope; shape: GrantShape }> = {
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": { scope: "artifact-registry", shape: "member" },
  "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding": { scope: "artifact-registry", shape: "binding" },
  "gcp:artifactregistry/repositoryIamPolicy:RepositoryIamPolicy": { scope: "artifact-registry", shape: "policy" },
  "gcp:secretmanager/secretIamMember:SecretIamMember": { scope: "secret-manager", shape: "member" },
  "gcp:secretmanager/secretIamBinding:SecretIamBinding": { scope: "secret-manager", shape: "binding" },
  "gcp:secretmanager/secretIamPolicy:SecretIamPolicy": { scope: "secret-manager", shape: "policy" },
  "gcp:secretmanager/regionalSecretIamMember:RegionalSecretIamMember": { scope: "secret-manager", shape: "member" },
  "gcp:secretmanager/regionalSecretIamBinding:RegionalSecretIamBinding": { scope: "secret-manager", shape: "binding" },
  "gcp:secretmanager/regionalSecretIamPolicy:RegionalSecretIamPolicy": { scope: "secret-manager", shape: "policy" },
  "gcp:serviceaccount/iAMMember:IAMMember": { scope: "service-account", shape: "member" },
  "gcp:serviceaccount/iAMBinding:IAMBinding": { scope: "service-account", shape: "binding" },
  "gcp:serviceaccount/iAMPolicy:IAMPolicy": { scope: "service-account", shape: "policy" },
  "gcp:projects/iAMMember:IAMMember": { scope: "project", shape: "member" },
  "gcp:projects/iAMBinding:IAMBinding": { scope: "project", shape: "binding" },
  "gcp:projects/iAMPolicy:IAMPolicy": { scope: "project", shape: "policy" },
  "gcp:folder/iAMMember:IAMMember": { scope: "folder", shape: "member" },
  "gcp:folder/iAMBinding:IAMBinding": { scope: "folder", shape: "binding" },
  "gcp:folder/iAMPolicy:IAMPolicy": { scope: "folder", shape: "policy" },
  "gcp:organizations/iAMMember:IAMMember": { scope: "organization", shape: "member" },
  "gcp:organizations/iAMBinding:IAMBinding": { scope: "organization", shape: "binding" },
  "gcp:organizations/iAMPolicy:IAMPolicy": { scope: "organization", shape: "policy" },
};

/** Scope and shape of an IAM resource type the pack reads, or undefined for any other type. */
export function grantKind(type: string): { scope: GrantScope; shape: GrantShape } | undefined {
  if (IAM_MEMBER_TYPES.has(type)) return { scope: "cloud-run", shape: "member" };
  if (IAM_BINDING_TYPES.has(type)) return { scope: "cloud-run", shape: "binding" };
  if (IAM_POLICY_TYPES.has(type)) return { scope: "cloud-run", shape: "policy" };
  return OTHER_IAM_TYPES[type];
}

/** One member granted one role, with the input path it came from. */
export interface Grant {
  /** The role, or UNKNOWN when computed. */
  role: unknown;
  rolePath: PathStep[];
  /** The member, or UNKNOWN when computed. */
  member: unknown;
  memberPath: PathStep[];
}

/** What a resource grants: every (role, member) pair, the computed inputs that hid some, and a policyData that could not be read. */
export interface Grants {
  grants: Grant[];
  /** Paths of computed inputs (a computed list hides all its members). */
  computed: PathStep[][];
  /** A policyData that is not a JSON object: it cannot be proven to grant nothing. */
  unreadable?: string;
}

/** Every grant of an IAM resource (empty for any other type). */
export function grantsOf(resource: ResourceUnderTest): Grants {
  const kind = grantKind(resource.type);
  const result: Grants = { grants: [], computed: [] };
  if (kind === undefined) return result;
  const { inputs } = resource;
  if (kind.shape === "member") {
    result.grants.push({ role: inputs.role, rolePath: ["role"], member: inputs.member, memberPath: ["member"] });
  } else if (kind.shape === "binding") {
    addMembers(result, inputs.role, ["role"], inputs.members, ["members"]);
  } else {
    addPolicy(result, inputs.policyData);
  }
  for (const grant of result.grants) {
    if (isUnknown(grant.member)) result.computed.push(grant.memberPath);
  }
  return result;
}

function addMembers(result: Grants, role: unknown, rolePath: PathStep[], members: unknown, path: PathStep[]): void {
  if (isUnknown(members)) {
    result.computed.push(path);
    return;
  }
  if (!Array.isArray(members)) return;
  members.forEach((member, index) => result.grants.push({ role, rolePath, member, memberPath: [...path, index] }));
}

/** Values of every key of `object` that spells `key` in any case. */
function keysLike(object: Record<string, unknown>, key: string): [string, unknown][] {
  return Object.entries(object).filter(([name]) => name.toLowerCase() === key);
}

function addPolicy(result: Grants, policyData: unknown): void {
  if (policyData === undefined) return;
  if (isUnknown(policyData)) {
    result.computed.push(["policyData"]);
    return;
  }
  let policy: unknown = policyData;
  if (typeof policyData === "string") {
    try {
      policy = JSON.parse(policyData);
    } catch (error) {
      result.unreadable = `not valid JSON (${(error as Error).message})`;
      return;
    }
  }
  if (!isPlainObject(policy)) {
    result.unreadable = `not a JSON object, got ${show(policy, { max: 80 })}`;
    return;
  }
  for (const [bindingsKey, bindings] of keysLike(policy, "bindings")) {
    if (!Array.isArray(bindings)) continue;
    bindings.forEach((binding, index) => {
      if (!isPlainObject(binding)) return;
      const base: PathStep[] = ["policyData", bindingsKey, index];
      const roles = keysLike(binding, "role");
      const [roleKey, role] = roles.length > 0 ? roles[roles.length - 1] : ["role", undefined];
      for (const [membersKey, members] of keysLike(binding, "members")) addMembers(result, role, [...base, roleKey], members, [...base, membersKey]);
    });
  }
}

/** A path as messages show it. */
export function pathText(steps: readonly PathStep[]): string {
  return formatPath(steps);
}
