/**
 * Each attack on the stack's surface, driven through the policy pack as the
 * Pulumi engine drives it (its own process, the analyzer's gRPC API on
 * 127.0.0.1; see policyPackProcess.ts): the pack must report each one as a
 * violation naming the resource, at the level the rule declares.
 */
import { COMPONENT_TYPES } from "../../contract";
import { ACCEPTED_AUDIENCES, REFUSED_AUDIENCES } from "../support/audiences";
import { spellings } from "../support/principalSpellings";
import { service } from "./fixtures";
import { AnalysisResult, EngineResource, PolicyPackProcess } from "./policyPackProcess";

let pack: PolicyPackProcess;

beforeAll(async () => {
  pack = await PolicyPackProcess.start();
}, 90_000);

afterAll(async () => {
  await pack?.stop();
});

/** A resource as the engine sends it: plain JSON inputs, the stack in its URN. */
function engineResource(r: { type: string; name: string; inputs: Record<string, unknown> }, stack = "dev", parentType?: string): EngineResource {
  return { type: r.type, name: r.name, stack, properties: JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>, parentType };
}

const INVOKER_ACCESS = COMPONENT_TYPES.invokerAccess;
const resource = (type: string, name: string, inputs: Record<string, unknown>) => ({ type, name, inputs });
const serviceTarget = { name: "hello", location: "asia-east1" };
const jobTarget = { name: "nightly", location: "asia-east1" };

const verdicts = (result: AnalysisResult) => result.diagnostics.map((d) => `${d.enforcementLevel} ${d.policy}`);

describe("custom audiences", () => {
  it.each(REFUSED_AUDIENCES)("refuses %j as mandatory, naming the value", async (audience, why) => {
    const result = await pack.analyze(engineResource(service({ customAudiences: [audience] })));
    expect(verdicts(result)).toEqual(["mandatory cloud-run-custom-audiences"]);
    expect(result.diagnostics[0].message).toMatch(why);
    expect(result.diagnostics[0].message).toContain("hello-service");
  });

  it("accepts a custom domain's URL", async () => {
    for (const audience of ACCEPTED_AUDIENCES) expect(verdicts(await pack.analyze(engineResource(service({ customAudiences: [audience] }))))).toEqual([]);
  });
});

describe("image build contexts", () => {
  const image = (location: string) => ({ type: "docker-build:index:Image", name: "app-image", inputs: { context: { location }, push: true } });

  it.each([["/etc"], ["../../etc"], ["."]])("refuses context %j as mandatory, naming the resource", async (location) => {
    const result = await pack.analyze(engineResource(image(location)));
    expect(verdicts(result)).toEqual(["mandatory image-build-context-inside-project"]);
    expect(result.diagnostics[0].message).toContain("app-image");
  });

  it("accepts a directory of the project", async () => {
    expect(verdicts(await pack.analyze(engineResource(image("app"))))).toEqual([]);
  });
});

describe("members, from the shared table of spellings", () => {
  /** The member as InvokerAccess grants it, on an Artifact Registry repository, and at project level with a harmless role. */
  const grants = (member: string) => [
    { resource: resource("gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", "hello-invokers-binding", { ...serviceTarget, role: "roles/run.invoker", members: [member] }), parent: INVOKER_ACCESS },
    { resource: resource("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "images-readers", { repository: "private-cloud-run", location: "asia-east1", role: "roles/artifactregistry.reader", member }) },
    { resource: resource("gcp:projects/iAMMember:IAMMember", "project-viewer", { project: "my-gcp-project", role: "roles/viewer", member }) },
  ];

  it.each(spellings("public", "refused"))("refuses %j on each grant as mandatory, naming the resource", async (member, says) => {
    for (const { resource: r, parent } of grants(member)) {
      const result = await pack.analyze(engineResource(r, "dev", parent));
      expect(verdicts(result)).toEqual(["mandatory no-public-members"]);
      expect(result.diagnostics[0].message).toMatch(says);
      expect(result.diagnostics[0].message).toContain(r.name);
    }
  });

  it.each(spellings("broad"))("passes %j with an advisory saying how broad", async (member, says) => {
    for (const { resource: r, parent } of grants(member)) {
      const result = await pack.analyze(engineResource(r, "dev", parent));
      expect(verdicts(result)).toEqual(["advisory iam-broad-members"]);
      expect(result.diagnostics[0].message).toMatch(says);
    }
  });

  it.each(spellings("named"))("passes %j silently", async (member) => {
    for (const { resource: r, parent } of grants(member)) expect(verdicts(await pack.analyze(engineResource(r, "dev", parent)))).toEqual([]);
  });
});

describe("Cloud Run *IamPolicy resources are refused outright", () => {
  const benign = JSON.stringify({ bindings: [{ role: "roles/run.viewer", members: ["user:alice@example.com"] }] });
  it.each([
    ["gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", serviceTarget],
    ["gcp:cloudrunv2/jobIamPolicy:JobIamPolicy", jobTarget],
    ["gcp:cloudrun/iamPolicy:IamPolicy", { service: "hello", location: "asia-east1" }],
  ])("%s, even a benign one", async (type, target) => {
    const result = await pack.analyze(engineResource(resource(type, "sneaky-policy", { ...target, policyData: benign })));
    expect(verdicts(result)).toEqual(["mandatory cloud-run-no-iam-policy"]);
    expect(result.diagnostics[0].message).toContain("sneaky-policy");
  });

  it.each([
    [JSON.stringify({ Bindings: [{ Role: "roles/run.invoker", Members: ["allUsers"] }] })],
    [JSON.stringify({ bindings: [{ role: "roles/run.viewer", members: ["user:alice@example.com"] }], BINDINGS: [{ role: "roles/run.invoker", members: ["allUsers"] }] })],
  ])("and its members are read in any key case: %s", async (policyData) => {
    const result = await pack.analyze(engineResource(resource("gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", "sneaky-policy", { ...serviceTarget, policyData })));
    expect(verdicts(result).sort()).toEqual(["mandatory cloud-run-no-iam-policy", "mandatory no-public-members"]);
  });
});

describe("project, folder and organization grants of an invoking role", () => {
  const scopes: [string, Record<string, unknown>][] = [
    ["gcp:projects/iAM", { project: "my-gcp-project" }],
    ["gcp:folder/iAM", { folder: "folders/123456789012" }],
    ["gcp:organizations/iAM", { orgId: "123456789012" }],
  ];
  const cases = scopes.flatMap(([prefix, target]) =>
    ["roles/run.invoker", "roles/run.servicesInvoker", "roles/run.jobsExecutor", "roles/run.jobsExecutorWithOverrides", "roles/run.developer", "projects/my-gcp-project/roles/caller"].flatMap((role) => [
      [`${prefix}Member:IAMMember`, { ...target, role, member: "user:mallory@example.com" }],
      [`${prefix}Binding:IAMBinding`, { ...target, role, members: ["user:mallory@example.com"] }],
      [`${prefix}Policy:IAMPolicy`, { ...target, policyData: JSON.stringify({ Bindings: [{ ROLE: role, members: ["user:mallory@example.com"] }] }) }],
    ]),
  ) as [string, Record<string, unknown>][];

  it.each(cases)("refuses %s %j as mandatory, naming the resource", async (type, inputs) => {
    const result = await pack.analyze(engineResource(resource(type, "wide-grant", inputs)));
    expect(verdicts(result)).toEqual(["mandatory no-project-level-invoker"]);
    expect(result.diagnostics[0].message).toContain("wide-grant");
  });

  it.each(scopes.flatMap(([prefix, target]) => ["roles/cloudscheduler.admin", "roles/cloudscheduler.jobRunner"].map((role) => [`${prefix}Member:IAMMember`, { ...target, role, member: "user:mallory@example.com" }])) as [string, Record<string, unknown>][])(
    "refuses %s %j: a Cloud Scheduler job can be forced to run, which starts the scheduled Cloud Run job as its scheduler account",
    async (type, inputs) => {
      const result = await pack.analyze(engineResource(resource(type, "scheduler-runner", inputs)));
      expect(verdicts(result)).toEqual(["mandatory no-project-level-invoker"]);
      expect(result.diagnostics[0].message).toMatch(/scheduler-runner.*force-run every Cloud Scheduler job/);
    },
  );

  it("refuses allUsers there too, and lets a role that cannot invoke pass", async () => {
    const publicGrant = await pack.analyze(engineResource(resource("gcp:projects/iAMMember:IAMMember", "wide-grant", { project: "p", role: "roles/run.invoker", member: "allUsers" })));
    expect(verdicts(publicGrant).sort()).toEqual(["mandatory no-project-level-invoker", "mandatory no-public-members"]);
    expect(verdicts(await pack.analyze(engineResource(resource("gcp:projects/iAMMember:IAMMember", "logs", { project: "p", role: "roles/logging.viewer", member: "user:alice@example.com" }))))).toEqual([]);
  });
});

describe("Cloud Run grants of an invoking role made outside InvokerAccess", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["gcp:cloudrunv2/serviceIamMember:ServiceIamMember", { ...serviceTarget, role: "roles/run.invoker", member: "user:mallory@example.com" }],
    ["gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", { ...serviceTarget, role: "roles/run.servicesInvoker", members: ["user:mallory@example.com"] }],
    ["gcp:cloudrunv2/jobIamMember:JobIamMember", { ...jobTarget, role: "roles/run.jobsExecutor", member: "user:mallory@example.com" }],
    ["gcp:cloudrunv2/jobIamBinding:JobIamBinding", { ...jobTarget, role: "roles/run.developer", members: ["user:mallory@example.com"] }],
    ["gcp:cloudrun/iamMember:IamMember", { service: "hello", location: "asia-east1", role: "roles/run.invoker", member: "user:mallory@example.com" }],
  ];

  it.each(cases)("refuses %s at the top level as mandatory, naming the resource", async (type, inputs) => {
    const result = await pack.analyze(engineResource(resource(type, "extra-caller", inputs)));
    expect(verdicts(result)).toEqual(["mandatory cloud-run-invokers-through-invoker-access"]);
    expect(result.diagnostics[0].message).toContain("extra-caller");
  });

  it.each(cases)("refuses %s under another component too", async (type, inputs) => {
    expect(verdicts(await pack.analyze(engineResource(resource(type, "extra-caller", inputs), "dev", "acme:index:Helper")))).toEqual(["mandatory cloud-run-invokers-through-invoker-access"]);
  });

  it("passes the same grant made by InvokerAccess, and a viewer role made anywhere", async () => {
    const [type, inputs] = cases[0];
    expect(verdicts(await pack.analyze(engineResource(resource(type, "hello-invokers-x", inputs), "dev", INVOKER_ACCESS)))).toEqual([]);
    expect(verdicts(await pack.analyze(engineResource(resource(type, "viewer", { ...inputs, role: "roles/run.viewer" }))))).toEqual([]);
  });
});

describe("a job invoker that may override env and args", () => {
  it("is an advisory naming the job and what overrides allow", async () => {
    const binding = resource("gcp:cloudrunv2/jobIamBinding:JobIamBinding", "nightly-invokers-binding", { ...jobTarget, role: "roles/run.jobsExecutorWithOverrides", members: ["user:alice@example.com"] });
    const result = await pack.analyze(engineResource(binding, "dev", INVOKER_ACCESS));
    expect(verdicts(result)).toEqual(["advisory job-invokers-can-override"]);
    expect(result.diagnostics[0].message).toMatch(/NODE_OPTIONS.*as its runtime service account/);
    expect(result.diagnostics[0].message).toContain('"nightly"');
  });
});
