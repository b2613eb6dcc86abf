/**
 * policy/index.ts as the Pulumi engine runs it: a separate process started by
 * @pulumi/pulumi's run-policy-pack (ts-node; transpile-only here, as
 * `npm run typecheck` checks the types), serving CrossGuard's
 * analyzer gRPC API on 127.0.0.1. We play the engine: ask for the pack's
 * policies, send resources, and compare its verdicts with evaluatePolicies';
 * then each attack on the stack's surface: the pack must report each one as a
 * violation naming the resource, at the level the rule declares. One pack
 * process serves both (each start costs about 2 CPU-s).
 */
import type { RegisteredResource } from "../../contract";
import { COMPONENT_TYPES } from "../../contract";
import { ACCEPTED_AUDIENCES, REFUSED_AUDIENCES } from "../support/audiences";
import { spellings } from "../support/principalSpellings";
import { evaluatePolicies, noPublicMembers, rules } from "../../policy/rules";
import { DIGEST, job, repository, RUNTIME_SA, service, members, policies, policyJson } from "./fixtures";
import { sharedEvaluation } from "../support/sharedEvaluations";
import { AnalysisResult, EngineResource, PolicyPackProcess, urnOf } from "./policyPackProcess";

/** The engine's wire sentinel for a computed string. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let pack: PolicyPackProcess;

beforeAll(async () => {
  pack = await PolicyPackProcess.start();
}, 90_000);

afterAll(async () => {
  await pack?.stop();
});

/** Plain JSON as the engine marshals it (no undefined). */
function wire(inputs: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(inputs)) as Record<string, unknown>;
}

function engineResource(r: { type: string; name: string; inputs: Record<string, unknown>; urn?: string }, stack = "dev", parentType?: string): EngineResource {
  // A real evaluation's URN names the stack it was made for; the pack reads the stack from it.
  const urn = r.urn ? r.urn.replace(/^urn:pulumi:[^:]+::/, `urn:pulumi:${stack}::`) : undefined;
  return { type: r.type, name: r.name, stack, properties: wire(r.inputs), parentType, urn };
}

const verdicts = (result: AnalysisResult) => result.diagnostics.map((d) => `${d.enforcementLevel} ${d.policy}`);

describe("the policy pack process", () => {
  it("serves one CrossGuard policy per rule, with the rule's name, description and level", async () => {
    const info = await pack.info();
    expect(info.getName()).toBe("private-cloud-run");
    expect(info.getVersion()).toBe("0.1.0");
    const served = info.getPoliciesList().map((p) => ({ name: p.getName(), description: p.getDescription(), level: p.getEnforcementlevel() }));
    expect(served).toEqual(
      rules.map((rule) => ({ name: rule.name, description: rule.description, level: rule.enforcementLevel === "mandatory" ? 1 : 0 })),
    );
  });

  it("refuses a public invoker on every Cloud Run IAM type, as mandatory", async () => {
    for (const resource of members("allUsers")) {
      const result = await pack.analyze(engineResource(resource, "dev", COMPONENT_TYPES.invokerAccess));
      expect(verdicts(result)).toEqual(["mandatory no-public-members"]);
      // CrossGuard shows the policy's description first, then our message.
      expect(result.diagnostics[0].message).toBe(`${rules[0].description}\n${noPublicMembers.check!(resource, { stack: "dev" })[0]}`);
    }
    // A whole-policy resource is refused for being one, and for what it grants.
    for (const resource of policies(policyJson([{ role: "roles/run.invoker", members: ["allAuthenticatedUsers"] }]))) {
      expect(verdicts(await pack.analyze(engineResource(resource))).sort()).toEqual(["mandatory cloud-run-no-iam-policy", "mandatory no-public-members"]);
    }
  });

  it("passes a private service and job", async () => {
    for (const resource of [service(), job()]) expect((await pack.analyze(engineResource(resource))).diagnostics).toEqual([]);
  });

  it("reports every mandatory fault of a service", async () => {
    const bad = service({
      invokerIamDisabled: true,
      template: { serviceAccount: "123456789012-compute@developer.gserviceaccount.com", containers: [{ image: "gcr.io/p/app:latest" }] },
    });
    expect(verdicts(await pack.analyze(engineResource(bad))).sort()).toEqual([
      "mandatory cloud-run-dedicated-service-account",
      "mandatory cloud-run-image-by-digest",
      "mandatory cloud-run-invoker-iam-enabled",
    ]);
  });

  it("reads the stack from the URN: deletionProtection false is an advisory on prod only", async () => {
    const unprotected = service({ deletionProtection: false });
    expect(verdicts(await pack.analyze(engineResource(unprotected, "prod")))).toEqual(["advisory deletion-protection-on-production"]);
    expect(verdicts(await pack.analyze(engineResource(unprotected, "dev")))).toEqual([]);
  });

  it("marks a rule not applicable (with the reason) when its input is computed during preview", async () => {
    const computed = service({ template: { serviceAccount: RUNTIME_SA, containers: [{ image: UNKNOWN_STRING }] } });
    const result = await pack.analyze(engineResource(computed));
    expect(result.diagnostics).toEqual([]);
    expect(result.notApplicable).toContainEqual({
      policy: "cloud-run-image-by-digest",
      reason: expect.stringContaining("template.containers[0].image is computed"),
    });
  });

  it("runs the cleanup rule over the whole stack and attributes it to the repository", async () => {
    const repo = repository([{ id: "all-tagged", action: "DELETE", condition: { tagState: "TAGGED" } }]);
    const result = await pack.analyzeStack([engineResource(repo), engineResource(service())]);
    expect(verdicts(result)).toEqual(["advisory artifact-cleanup-keeps-deployed-digest"]);
    expect(result.diagnostics[0].urn).toBe(urnOf({ ...repo, stack: "dev" }));
    expect(result.diagnostics[0].message).toContain(DIGEST);
    expect((await pack.analyzeStack([engineResource(repository()), engineResource(service())])).diagnostics).toEqual([]);
  });
});

describe("the pack and evaluatePolicies agree on whole-program resources", () => {
  /** CrossGuard prefixes each message with the policy's description and a newline; take it off to compare. */
  function ownMessage(policy: string, message: string): string {
    const description = rules.find((rule) => rule.name === policy)?.description ?? "";
    expect(message.startsWith(`${description}\n`)).toBe(true);
    return message.slice(description.length + 1);
  }

  /** The pack's verdicts over a stack's resources, as `level policy resource message` lines. */
  async function packVerdicts(resources: RegisteredResource[], stack: string): Promise<string[]> {
    const custom = resources.filter((r) => !r.component).map((r) => engineResource(r, stack));
    const nameOf = new Map(custom.map((r) => [urnOf(r), r.name]));
    const line = (d: AnalysisResult["diagnostics"][number], resource: string | undefined) =>
      `${d.enforcementLevel} ${d.policy} ${resource} ${ownMessage(d.policy, d.message)}`;
    // Per-resource diagnostics carry no URN (the engine attaches the resource it asked about).
    const perResource = await Promise.all(custom.map(async (r) => (await pack.analyze(r)).diagnostics.map((d) => line(d, r.name))));
    const perStack = (await pack.analyzeStack(custom)).diagnostics.map((d) => line(d, nameOf.get(d.urn)));
    return [...perResource.flat(), ...perStack].sort();
  }

  function offlineVerdicts(resources: RegisteredResource[], stack: string): string[] {
    return evaluatePolicies(resources, { stack })
      .map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource} ${v.message}`)
      .sort();
  }

  it.each(["dev", "prod"] as const)("%s, as configured and with faults injected", async (stack) => {
    const { resources } = await sharedEvaluation(stack);
    expect(await packVerdicts(resources, stack)).toEqual([]);

    const faulty = structuredClone(resources);
    for (const r of faulty) {
      if (r.type === "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding") (r.inputs.members as string[]).push("allUsers", "domain:example.com");
      if (r.type === "gcp:cloudrunv2/jobIamBinding:JobIamBinding") r.inputs.role = "roles/run.jobsExecutorWithOverrides";
      if (r.type === "gcp:cloudrunv2/service:Service") {
        Object.assign(r.inputs, { invokerIamDisabled: true, deletionProtection: false, customAudiences: ["*"] });
        (r.inputs.template as { containers: { envs?: unknown[] }[] }).containers[0].envs = [{ name: "DB_PASSWORD", value: "hunter2" }];
      }
      if (r.type === "gcp:cloudrunv2/job:Job") {
        const task = (r.inputs.template as { template: { serviceAccount?: string; containers: { image: string }[] } }).template;
        delete task.serviceAccount;
        task.containers[0].image = task.containers[0].image.replace(/@sha256:.*$/, ":latest");
      }
      if (r.type === "gcp:artifactregistry/repository:Repository") r.inputs.cleanupPolicies = [{ id: "all", action: "DELETE" }];
      if (r.type === "docker-build:index:Image") r.inputs.context = { location: "../.." };
    }
    // Resources beside the components, as a hand-written index.ts would add them.
    const beside = (type: string, name: string, inputs: Record<string, unknown>): RegisteredResource => ({ type, name, inputs, parent: null, urn: "", secretInputs: [], component: false });
    faulty.push(
      beside("gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", "hello-policy", { name: "hello", location: "asia-east1", policyData: policyJson([{ role: "roles/run.viewer", members: ["user:a@example.com"] }]) }),
      beside("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "hello-extra", { name: "hello", location: "asia-east1", role: "roles/run.invoker", member: "user:mallory@example.com" }),
      beside("gcp:projects/iAMMember:IAMMember", "project-invoker", { project: "my-gcp-project", role: "roles/run.invoker", member: "user:mallory@example.com" }),
      // A secret accessor grant on the whole project (the stack never makes one).
      beside("gcp:projects/iAMMember:IAMMember", "project-accessor", { project: "my-gcp-project", role: "roles/secretmanager.secretAccessor", member: "user:mallory@example.com" }),
      // Token Creator on the whole project: every runtime account can be impersonated.
      beside("gcp:projects/iAMMember:IAMMember", "project-token-creator", { project: "my-gcp-project", role: "roles/iam.serviceAccountTokenCreator", member: "user:mallory@example.com" }),
      // A second service running as hello's runtime account.
      beside("gcp:cloudrunv2/service:Service", "hello-twin", {
        name: "twin",
        location: "asia-east1",
        template: { serviceAccount: (faulty.find((r) => r.type === "gcp:cloudrunv2/service:Service")!.inputs.template as { serviceAccount: string }).serviceAccount, containers: [] },
      }),
      // A push subscription minting ID tokens of hello's runtime account for another host.
      beside("gcp:pubsub/subscription:Subscription", "push-as-hello", {
        topic: "events",
        pushConfig: {
          pushEndpoint: "https://collector.example.com/",
          oidcToken: { serviceAccountEmail: (faulty.find((r) => r.type === "gcp:cloudrunv2/service:Service")!.inputs.template as { serviceAccount: string }).serviceAccount },
        },
      }),
      // A schedule that hands an OAuth access token to a host that is not a Google API.
      beside("gcp:cloudscheduler/job:Job", "token-to-elsewhere", {
        schedule: "* * * * *",
        httpTarget: { uri: "https://collector.example.com/", oauthToken: { serviceAccountEmail: "nightly-sched@my-gcp-project.iam.gserviceaccount.com" } },
      }),
    );
    const expected = offlineVerdicts(faulty, "prod");
    // Every rule fires at least once, so the comparison covers each of them.
    expect(new Set(expected.map((line) => line.split(" ")[1]))).toEqual(new Set(rules.map((rule) => rule.name)));
    expect(await packVerdicts(faulty, "prod")).toEqual(expected);
  });
});

const INVOKER_ACCESS = COMPONENT_TYPES.invokerAccess;
const resource = (type: string, name: string, inputs: Record<string, unknown>) => ({ type, name, inputs });
const serviceTarget = { name: "hello", location: "asia-east1" };
const jobTarget = { name: "nightly", location: "asia-east1" };

describe("attacks on the stack's surface", () => {
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
});
