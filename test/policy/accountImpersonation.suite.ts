/**
 * no-acting-as-stack-accounts: whoever may mint a token for, or act as, a
 * runtime account or a scheduler account of the stack holds everything that
 * account holds (its secrets, the workloads it may call, the job it starts),
 * without being in any invoker list. Inputs follow @pulumi/gcp 9.x's Args types.
 */
import type * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import type * as folder from "@pulumi/gcp/folder";
import type * as projects from "@pulumi/gcp/projects";
import type * as serviceaccount from "@pulumi/gcp/serviceaccount";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluatePolicies, noActingAsStackAccounts, runtimeAccountOneWorkload, UNKNOWN, type ResourceUnderTest, type UnverifiedInput } from "../../policy/rules";
import { IMAGE, job, policyJson, registered, RUNTIME_SA, service } from "./fixtures";

const TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator";
const NIGHTLY_SA = "nightly-job@my-gcp-project.iam.gserviceaccount.com";
const SCHEDULER_SA = "nightly-sched@my-gcp-project.iam.gserviceaccount.com";

/** The scheduler account, as components/jobSchedule.ts registers it. */
function schedulerAccount(): ResourceUnderTest {
  const inputs: Unwrap<serviceaccount.AccountArgs> = { project: "my-gcp-project", accountId: "nightly-sched", displayName: "Cloud Scheduler trigger of job nightly" };
  return { type: "gcp:serviceaccount/account:Account", name: "nightly-scheduler-sa", inputs: inputs as unknown as Record<string, unknown> };
}
function accountMember(serviceAccountId: unknown, role: string, member = "user:mallory@example.com"): ResourceUnderTest {
  const inputs: Unwrap<serviceaccount.IAMMemberArgs> = { serviceAccountId: serviceAccountId as string, role, member };
  return { type: "gcp:serviceaccount/iAMMember:IAMMember", name: "act-as", inputs: inputs as unknown as Record<string, unknown> };
}
function accountBinding(serviceAccountId: string, role: string, members: string[]): ResourceUnderTest {
  const inputs: Unwrap<serviceaccount.IAMBindingArgs> = { serviceAccountId, role, members };
  return { type: "gcp:serviceaccount/iAMBinding:IAMBinding", name: "act-as-binding", inputs: inputs as unknown as Record<string, unknown> };
}
function accountPolicy(serviceAccountId: string, policyData: string): ResourceUnderTest {
  const inputs: Unwrap<serviceaccount.IAMPolicyArgs> = { serviceAccountId, policyData };
  return { type: "gcp:serviceaccount/iAMPolicy:IAMPolicy", name: "act-as-policy", inputs: inputs as unknown as Record<string, unknown> };
}
function projectMember(role: string): ResourceUnderTest {
  const inputs: Unwrap<projects.IAMMemberArgs> = { project: "my-gcp-project", role, member: "user:mallory@example.com" };
  return { type: "gcp:projects/iAMMember:IAMMember", name: "project-grant", inputs: inputs as unknown as Record<string, unknown> };
}
function folderBinding(role: string): ResourceUnderTest {
  const inputs: Unwrap<folder.IAMBindingArgs> = { folder: "folders/123", role, members: ["group:contractors@example.com"] };
  return { type: "gcp:folder/iAMBinding:IAMBinding", name: "folder-grant", inputs: inputs as unknown as Record<string, unknown> };
}

/** The rule over a service, a job, the job's scheduler account, plus `grants`. */
function checkStack(...grants: ResourceUnderTest[]) {
  const unverified: UnverifiedInput[] = [];
  const findings = noActingAsStackAccounts.checkStack!([service(), job(), schedulerAccount(), ...grants], { stack: "dev", unverified: (input) => unverified.push(input) });
  return { findings: findings.map((f) => `${f.resource}: ${f.message}`), unverified: unverified.map((u) => `${u.resource}: ${u.path}`) };
}

const path = (email: string) => `projects/my-gcp-project/serviceAccounts/${email}`;

describe("no-acting-as-stack-accounts (mandatory)", () => {
  it.each([
    ["Token Creator on an account that is not the stack's", accountMember(path("ci@my-gcp-project.iam.gserviceaccount.com"), TOKEN_CREATOR)],
    ["a role that cannot act as the account, on a runtime account", accountMember(path(RUNTIME_SA), "roles/iam.serviceAccountViewer")],
    ["a role that cannot act as an account, on the project", projectMember("roles/logging.viewer")],
  ])("passes %s", (_label, grant) => {
    expect(checkStack(grant)).toEqual({ findings: [], unverified: [] });
  });

  it.each([
    ["Token Creator on a service's runtime account", accountMember(path(RUNTIME_SA), TOKEN_CREATOR), `act-as: member: "user:mallory@example.com" holds ${TOKEN_CREATOR} on ${RUNTIME_SA}, the runtime account of service hello`],
    ["OpenID token creator on a job's runtime account, named by email alone, in another case", accountMember(NIGHTLY_SA.toUpperCase(), "roles/iam.serviceAccountOpenIdTokenCreator"), "the runtime account of job nightly"],
    ["Service Account User on the scheduler account", accountBinding(path(SCHEDULER_SA), "roles/iam.serviceAccountUser", ["group:eng@example.com"]), `act-as-binding: members[0]: "group:eng@example.com" holds roles/iam.serviceAccountUser on ${SCHEDULER_SA}, a service account this stack creates`],
    ["Key Admin in a runtime account's policy, keys in any case", accountPolicy(path(RUNTIME_SA), JSON.stringify({ Bindings: [{ ROLE: "roles/iam.serviceAccountKeyAdmin", members: ["user:mallory@example.com"] }] })), "Bindings[0].members[0]"],
    ["Workload Identity User on a runtime account", accountMember(path(RUNTIME_SA), "roles/iam.workloadIdentityUser", "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/octo/app"), "roles/iam.workloadIdentityUser"],
    ["Service Account Admin on a runtime account (it may grant itself the rest)", accountMember(path(RUNTIME_SA), "roles/iam.serviceAccountAdmin"), "roles/iam.serviceAccountAdmin"],
    ["a custom role on a runtime account", accountMember(path(RUNTIME_SA), "projects/my-gcp-project/roles/impersonator"), "projects/my-gcp-project/roles/impersonator"],
    ["Owner of a runtime account", accountMember(path(RUNTIME_SA), "roles/owner"), "roles/owner"],
    ["Token Creator on the whole project", projectMember(TOKEN_CREATOR), `project-grant: member: "user:mallory@example.com" holds ${TOKEN_CREATOR} on a whole project, which reaches every service account in it`],
    ["Service Account User on a folder", folderBinding("roles/iam.serviceAccountUser"), "folder-grant: members[0]: \"group:contractors@example.com\" holds roles/iam.serviceAccountUser on a whole folder"],
    ["Token Creator in a project policy", { ...projectMember(TOKEN_CREATOR), type: "gcp:projects/iAMPolicy:IAMPolicy", inputs: { project: "my-gcp-project", policyData: policyJson([{ role: TOKEN_CREATOR, members: ["user:mallory@example.com"] }]) } }, "policyData.bindings[0].members[0]"],
  ])("refuses %s", (_label, grant, expected) => {
    const { findings } = checkStack(grant);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain(expected);
  });

  it("an account named by its unique id cannot be told from the stack's: refused, asking for the email", () => {
    const { findings } = checkStack(accountMember("projects/-/serviceAccounts/104852399287361849201", TOKEN_CREATOR));
    expect(findings).toEqual([expect.stringContaining(`act-as: member: "user:mallory@example.com" holds ${TOKEN_CREATOR} on projects/-/serviceAccounts/104852399287361849201, which names no account by email`)]);
    expect(checkStack(accountMember("projects/-/serviceAccounts/104852399287361849201", "roles/iam.serviceAccountViewer")).findings).toEqual([]);
  });

  it("a computed account with a role that acts as it is unverified, never passed", () => {
    expect(checkStack(accountMember(UNKNOWN, TOKEN_CREATOR))).toEqual({ findings: [], unverified: ["act-as: serviceAccountId"] });
  });

  it("is mandatory in the offline plan, and no-public-members now reads service account grants too", () => {
    const grant = accountMember(path(RUNTIME_SA), TOKEN_CREATOR, "allUsers");
    const violations = evaluatePolicies([service(), grant].map((r) => registered(r)), { stack: "dev" });
    expect(violations.map((v) => `${v.enforcementLevel} ${v.policy}`).sort()).toEqual(["mandatory no-acting-as-stack-accounts", "mandatory no-public-members"]);
  });
});

describe("runtime-account-one-workload (mandatory)", () => {
  const check = (...resources: ResourceUnderTest[]) => runtimeAccountOneWorkload.checkStack!(resources, { stack: "dev" }).map((f) => `${f.resource}: ${f.message}`);

  it("passes workloads that each run as their own account", () => {
    expect(check(service(), job())).toEqual([]);
  });

  it("refuses a second workload running as a service's runtime account (its secrets and its callers' grants come with it), in any letter case", () => {
    const twin = service({ name: "twin", template: { serviceAccount: RUNTIME_SA.toUpperCase(), containers: [{ image: "docker.io/library/busybox:1" }] } }, "twin-service");
    expect(check(service(), job(), twin)).toEqual([
      `twin-service: template.serviceAccount: "${RUNTIME_SA.toUpperCase()}" is also the runtime account of service hello (hello-service): twin-service would run with everything hello may reach (its secrets, the workloads that list it). Fix: give each service and job an account of its own.`,
    ]);
  });

  it("refuses a job that runs as a service's account", () => {
    const borrowed = job({ template: { template: { serviceAccount: RUNTIME_SA, containers: [{ image: "x" }] } } }, "borrowed-job");
    expect(check(service(), borrowed)).toEqual([expect.stringContaining("borrowed-job: template.template.serviceAccount: ")]);
  });
});

describe("a Cloud Run worker pool is a workload too: it runs its containers without being called", () => {
  function workerPool(serviceAccount: string | undefined, image: string): ResourceUnderTest {
    const inputs: Unwrap<cloudrunv2.WorkerPoolArgs> = { name: "side", location: "asia-east1", template: { ...(serviceAccount ? { serviceAccount } : {}), containers: [{ image }] } };
    return { type: "gcp:cloudrunv2/workerPool:WorkerPool", name: "side-pool", inputs: inputs as unknown as Record<string, unknown> };
  }
  const verdicts = (...resources: ResourceUnderTest[]) =>
    evaluatePolicies(resources.map((r) => registered(r)), { stack: "dev" })
      .filter((v) => v.resource === "side-pool")
      .map((v) => `${v.enforcementLevel} ${v.policy}`)
      .sort();

  it("runs as another workload's account: refused", () => {
    expect(verdicts(service(), workerPool(RUNTIME_SA, IMAGE))).toEqual(["mandatory runtime-account-one-workload"]);
  });

  it("runs as the default compute account, or by tag: refused", () => {
    expect(verdicts(service(), workerPool(undefined, "docker.io/library/busybox:1"))).toEqual(["mandatory cloud-run-dedicated-service-account", "mandatory cloud-run-image-by-digest"]);
  });
});
