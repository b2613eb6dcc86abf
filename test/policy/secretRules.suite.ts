/**
 * The secret rules, as tables: who may hold roles/secretmanager.secretAccessor
 * (a runtime account of this stack, on one secret), and which plain env values
 * look like credentials. Inputs follow @pulumi/gcp 9.x's Args types.
 */
import type * as folder from "@pulumi/gcp/folder";
import type * as organizations from "@pulumi/gcp/organizations";
import type * as projects from "@pulumi/gcp/projects";
import type * as secretmanager from "@pulumi/gcp/secretmanager";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluatePolicies, looksLikeCredential, noCredentialsInPlainEnv, secretAccessorRuntimeOnly, UNKNOWN, type ResourceUnderTest, type UnverifiedInput } from "../../policy/rules";
import { IMAGE, job, policyJson, registered, RUNTIME_SA, service, v1Service } from "./fixtures";

const ACCESSOR = "roles/secretmanager.secretAccessor";
const NIGHTLY_SA = "nightly-job@my-gcp-project.iam.gserviceaccount.com";

function secretMember(member: unknown, role: string = ACCESSOR, type = "gcp:secretmanager/secretIamMember:SecretIamMember"): ResourceUnderTest {
  const inputs: Unwrap<secretmanager.SecretIamMemberArgs> = { project: "my-gcp-project", secretId: "db-password", role, member: member as string };
  return { type, name: "hello-reads-db-password", inputs: inputs as unknown as Record<string, unknown> };
}
function secretBinding(members: string[]): ResourceUnderTest {
  const inputs: Unwrap<secretmanager.SecretIamBindingArgs> = { project: "my-gcp-project", secretId: "db-password", role: ACCESSOR, members };
  return { type: "gcp:secretmanager/secretIamBinding:SecretIamBinding", name: "db-password-binding", inputs: inputs as unknown as Record<string, unknown> };
}
function secretPolicy(policyData: string): ResourceUnderTest {
  const inputs: Unwrap<secretmanager.SecretIamPolicyArgs> = { project: "my-gcp-project", secretId: "db-password", policyData };
  return { type: "gcp:secretmanager/secretIamPolicy:SecretIamPolicy", name: "db-password-policy", inputs: inputs as unknown as Record<string, unknown> };
}
function projectMember(member: string, role: string = ACCESSOR): ResourceUnderTest {
  const inputs: Unwrap<projects.IAMMemberArgs> = { project: "my-gcp-project", role, member };
  return { type: "gcp:projects/iAMMember:IAMMember", name: "project-accessor", inputs: inputs as unknown as Record<string, unknown> };
}
function folderBinding(members: string[]): ResourceUnderTest {
  const inputs: Unwrap<folder.IAMBindingArgs> = { folder: "folders/123", role: ACCESSOR, members };
  return { type: "gcp:folder/iAMBinding:IAMBinding", name: "folder-accessor", inputs: inputs as unknown as Record<string, unknown> };
}
function organizationPolicy(policyData: string): ResourceUnderTest {
  const inputs: Unwrap<organizations.IAMPolicyArgs> = { orgId: "123", policyData };
  return { type: "gcp:organizations/iAMPolicy:IAMPolicy", name: "org-policy", inputs: inputs as unknown as Record<string, unknown> };
}

/** Runs the whole-stack rule over a service and a job (their runtime accounts) plus `grants`. */
function checkStack(...grants: ResourceUnderTest[]) {
  const unverified: UnverifiedInput[] = [];
  const findings = secretAccessorRuntimeOnly.checkStack!([service(), job(), ...grants], { stack: "dev", unverified: (input) => unverified.push(input) });
  return { findings: findings.map((f) => `${f.resource}: ${f.message}`), unverified: unverified.map((u) => `${u.resource}: ${u.path}`) };
}

describe("secret-accessor-runtime-accounts-only (mandatory)", () => {
  it.each([
    ["the service's runtime account", secretMember(`serviceAccount:${RUNTIME_SA}`)],
    ["the job's runtime account, in another letter case", secretMember(`serviceAccount:${NIGHTLY_SA.toUpperCase()}`)],
    ["a regional secret, to a runtime account", secretMember(`serviceAccount:${RUNTIME_SA}`, ACCESSOR, "gcp:secretmanager/regionalSecretIamMember:RegionalSecretIamMember")],
    ["another role on a secret, to anyone", secretMember("user:alice@example.com", "roles/secretmanager.viewer")],
    ["a binding of runtime accounts", secretBinding([`serviceAccount:${RUNTIME_SA}`, `serviceAccount:${NIGHTLY_SA}`])],
    ["another role on the project", projectMember("user:alice@example.com", "roles/viewer")],
  ])("passes %s", (_label, grant) => {
    expect(checkStack(grant)).toEqual({ findings: [], unverified: [] });
  });

  it.each([
    ["a user", secretMember("user:alice@example.com"), "hello-reads-db-password: member: \"user:alice@example.com\" is not the runtime account"],
    ["a service account that runs no workload of the stack", secretMember("serviceAccount:ci@my-gcp-project.iam.gserviceaccount.com"), "member: \"serviceAccount:ci@my-gcp-project.iam.gserviceaccount.com\" is not the runtime account"],
    ["a group, on a regional secret", secretMember("group:eng@example.com", ACCESSOR, "gcp:secretmanager/regionalSecretIamMember:RegionalSecretIamMember"), "member: \"group:eng@example.com\""],
    ["the public", secretMember("allUsers"), "member: \"allUsers\" is not the runtime account"],
    ["one stranger in a binding", secretBinding([`serviceAccount:${RUNTIME_SA}`, "user:bob@example.com"]), "db-password-binding: members[1]: \"user:bob@example.com\""],
    ["a stranger in a secret's policy", secretPolicy(policyJson([{ role: ACCESSOR, members: ["group:eng@example.com"] }])), "db-password-policy: policyData.bindings[0].members[0]: \"group:eng@example.com\""],
    ["a runtime account, but on the whole project", projectMember(`serviceAccount:${RUNTIME_SA}`), "project-accessor: member: \"serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com\" holds roles/secretmanager.secretAccessor on a whole project, which reads every secret in it"],
    ["a folder binding", folderBinding(["group:eng@example.com"]), "folder-accessor: members[0]: \"group:eng@example.com\" holds roles/secretmanager.secretAccessor on a whole folder"],
    ["a user, as Secret Manager Admin (which reads every version's payload)", secretMember("user:alice@example.com", "roles/secretmanager.admin"), "member: \"user:alice@example.com\" holds roles/secretmanager.admin on the secret, which reads its payload"],
    ["a runtime account, as Secret Manager Admin (it could also grant the secret to anyone)", secretMember(`serviceAccount:${RUNTIME_SA}`, "roles/secretmanager.admin"), "holds roles/secretmanager.admin on the secret"],
    ["a user, as Owner of the secret", secretMember("user:alice@example.com", "roles/owner"), "holds roles/owner on the secret"],
    ["a user, with a custom role (it may hold secretmanager.versions.access)", secretMember("user:alice@example.com", "projects/my-gcp-project/roles/reader"), "holds projects/my-gcp-project/roles/reader on the secret"],
    ["a group, as Secret Manager Admin in a secret's policy", secretPolicy(policyJson([{ role: "roles/secretmanager.admin", members: ["group:eng@example.com"] }])), "policyData.bindings[0].members[0]: \"group:eng@example.com\" holds roles/secretmanager.admin"],
    ["a user, as Secret Manager Admin on the whole project", projectMember("user:alice@example.com", "roles/secretmanager.admin"), "holds roles/secretmanager.admin on a whole project, which reads every secret in it"],
    ["an organization policy", organizationPolicy(policyJson([{ role: ACCESSOR, members: [`serviceAccount:${RUNTIME_SA}`] }])), "org-policy: policyData.bindings[0].members[0]: \"serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com\" holds roles/secretmanager.secretAccessor on a whole organization"],
  ])("refuses a grant to %s", (_label, grant, expected) => {
    const { findings } = checkStack(grant);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain(expected);
  });

  it("cannot judge a computed member or role: unverified, never passed or failed", () => {
    expect(checkStack(secretMember(UNKNOWN), secretMember("user:a@example.com", UNKNOWN as never))).toEqual({
      findings: [],
      unverified: ["hello-reads-db-password: member", "hello-reads-db-password: role"],
    });
  });

  it("a member that may be a runtime account whose email is still computed is unverified; a known stranger still is not", () => {
    const unknownAccount = service({ template: { serviceAccount: UNKNOWN as never, containers: [] } });
    const unverified: UnverifiedInput[] = [];
    const findings = secretAccessorRuntimeOnly.checkStack!([unknownAccount, secretMember("user:a@example.com")], { stack: "dev", unverified: (u) => unverified.push(u) });
    expect([findings, unverified.map((u) => u.path)]).toEqual([[], ["member"]]);
  });

  it("is mandatory in the offline plan", () => {
    const violations = evaluatePolicies([service(), secretMember("user:alice@example.com")].map((r) => registered(r)), { stack: "dev" });
    expect(violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["secret-accessor-runtime-accounts-only", "mandatory"]]);
  });
});

describe("env-credentials-in-secrets (advisory)", () => {
  it.each([
    ["DB_PASSWORD", true],
    ["GITHUB_TOKEN", true],
    ["STRIPE_SECRET_KEY", true],
    ["apiKey", true],
    ["GOOGLE_CREDENTIALS", true],
    ["MONKEY", false],
    ["KEYCLOAK_URL", false],
    ["PWD", false],
    ["LOG_LEVEL", false],
  ])("%s looks like a credential: %s", (name, expected) => {
    expect(looksLikeCredential(name)).toBe(expected);
  });

  const withEnvs = (envs: unknown[]) => service({ template: { serviceAccount: RUNTIME_SA, containers: [{ image: IMAGE, envs: envs as never }] } });

  it("flags a plain value under a credential-like name, naming the path and the fix", () => {
    expect(noCredentialsInPlainEnv.check!(withEnvs([{ name: "LOG_LEVEL", value: "info" }, { name: "DB_PASSWORD", value: "hunter2" }]), { stack: "dev" })).toEqual([
      "template.containers[0].envs[1]: DB_PASSWORD looks like a credential but holds a plain value, which anyone who may view service hello-service can read. Fix: store it in Secret Manager and reference it under secrets: in the stack config (docs/stack.md).",
    ]);
  });

  it("passes the same name read from Secret Manager, and checks jobs and v1 services too", () => {
    expect(noCredentialsInPlainEnv.check!(withEnvs([{ name: "DB_PASSWORD", valueSource: { secretKeyRef: { secret: "db", version: "latest" } } }]), { stack: "dev" })).toEqual([]);
    const jobWithToken = job({ template: { template: { serviceAccount: NIGHTLY_SA, containers: [{ image: "x", envs: [{ name: "API_TOKEN", value: "t" }] }] } } });
    expect(noCredentialsInPlainEnv.check!(jobWithToken, { stack: "dev" })).toEqual([expect.stringContaining("template.template.containers[0].envs[0]: API_TOKEN")]);
    const legacy = v1Service({}, { serviceAccountName: RUNTIME_SA, containers: [{ image: "x", envs: [{ name: "SECRET", value: "s" }] }] });
    expect(noCredentialsInPlainEnv.check!(legacy, { stack: "dev" })).toEqual([expect.stringContaining("template.spec.containers[0].envs[0]: SECRET")]);
  });

  it("is advisory in the offline plan", () => {
    const violations = evaluatePolicies([registered(withEnvs([{ name: "DB_PASSWORD", value: "hunter2" }]))], { stack: "dev" });
    expect(violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["env-credentials-in-secrets", "advisory"]]);
  });
});
