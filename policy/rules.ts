/**
 * The policy rules of private-cloud-run, as plain functions (no PolicyPack is
 * constructed here, so tests and `npm start` can import this module freely).
 * policy/index.ts wraps the same {@link rules} in a CrossGuard PolicyPack.
 */
import type { RegisteredResource } from "../contract";
import { broadMembersNamed } from "./checks/broadMembers";
import { buildContextInsideProject } from "./checks/buildContext";
import { cleanupKeepsDeployedDigest } from "./checks/cleanupPolicies";
import { deletionProtectionOnProduction } from "./checks/deletionProtection";
import { customAudiencesNamed } from "./checks/customAudiences";
import { noCredentialsInPlainEnv } from "./checks/envCredentials";
import { evaluateWith } from "./checks/evaluate";
import { noCloudRunIamPolicy } from "./checks/iamPolicyResources";
import { imagesPinnedByDigest } from "./checks/imageDigest";
import { invokersOnlyThroughInvokerAccess } from "./checks/invokerAccessOnly";
import { noInvokerIamDisabled } from "./checks/invokerIam";
import { jobOverridesNamed } from "./checks/jobOverrides";
import { noProjectLevelInvoker } from "./checks/projectInvoker";
import { noPublicMembers } from "./checks/publicAccess";
import { noActingAsStackAccounts } from "./checks/accountImpersonation";
import { schedulerTokensStayWithGoogle } from "./checks/schedulerTokens";
import { stackAccountsOnlyTheirWorkloads } from "./checks/accountUse";
import { dedicatedRuntimeServiceAccount, runtimeAccountOneWorkload } from "./checks/runtimeIdentity";
import { secretAccessorRuntimeOnly } from "./checks/secretAccess";
import { PolicyRule, Violation } from "./checks/types";

export type {
  EnforcementLevel,
  PolicyRule,
  ResourceUnderTest,
  RuleContext,
  StackFinding,
  UnverifiedInput,
  Violation,
} from "./checks/types";
export { UNKNOWN } from "./checks/types";
// Each rule, with the helpers its tests read, from the module that defines it.
export { isPublicMember, noPublicMembers } from "./checks/publicAccess";
export { memberReach, type MemberReach } from "./checks/members";
export { broadMembersNamed } from "./checks/broadMembers";
export { noCloudRunIamPolicy } from "./checks/iamPolicyResources";
export { invokersOnlyThroughInvokerAccess, parentTypeOf } from "./checks/invokerAccessOnly";
export { noProjectLevelInvoker } from "./checks/projectInvoker";
export { jobOverridesNamed } from "./checks/jobOverrides";
export { noInvokerIamDisabled } from "./checks/invokerIam";
export { customAudiencesNamed } from "./checks/customAudiences";
export { buildContextInsideProject } from "./checks/buildContext";
export { dedicatedRuntimeServiceAccount, isDefaultComputeAccount, runtimeAccountOneWorkload } from "./checks/runtimeIdentity";
export { imagesPinnedByDigest, isDigestPinned } from "./checks/imageDigest";
export { deletionProtectionOnProduction, isProductionStack } from "./checks/deletionProtection";
export { cleanupKeepsDeployedDigest, parseArtifactImage } from "./checks/cleanupPolicies";
export { toResourceUnderTest } from "./checks/evaluate";
export { secretAccessorRuntimeOnly } from "./checks/secretAccess";
export { noActingAsStackAccounts } from "./checks/accountImpersonation";
export { schedulerTokensStayWithGoogle } from "./checks/schedulerTokens";
export { stackAccountsOnlyTheirWorkloads } from "./checks/accountUse";
export { looksLikeCredential, noCredentialsInPlainEnv } from "./checks/envCredentials";

/** Every rule, mandatory first. The CrossGuard pack and the offline plan both use exactly this list. */
export const rules: PolicyRule[] = [
  noPublicMembers,
  noCloudRunIamPolicy,
  invokersOnlyThroughInvokerAccess,
  noProjectLevelInvoker,
  noInvokerIamDisabled,
  customAudiencesNamed,
  buildContextInsideProject,
  dedicatedRuntimeServiceAccount,
  runtimeAccountOneWorkload,
  imagesPinnedByDigest,
  secretAccessorRuntimeOnly,
  noActingAsStackAccounts,
  schedulerTokensStayWithGoogle,
  stackAccountsOnlyTheirWorkloads,
  broadMembersNamed,
  jobOverridesNamed,
  deletionProtectionOnProduction,
  cleanupKeepsDeployedDigest,
  noCredentialsInPlainEnv,
];

/**
 * Runs every rule over every resource of an offline evaluation (what
 * `npm start` does). Exit non-zero when any returned violation has
 * `enforcementLevel: "mandatory"`.
 *
 * @example
 * const violations = evaluatePolicies(evaluation.resources, { stack: evaluation.stack });
 * const failed = violations.some((v) => v.enforcementLevel === "mandatory");
 */
export function evaluatePolicies(resources: RegisteredResource[], ctx: { stack: string }): Violation[] {
  return evaluateWith(rules, resources, ctx);
}
