/**
 * policy/index.ts as the Pulumi engine runs it: a separate process started by
 * @pulumi/pulumi's run-policy-pack (ts-node; transpile-only here, as
 * `npm run typecheck` checks the types), serving CrossGuard's
 * analyzer gRPC API on 127.0.0.1. We play the engine: ask for the pack's
 * policies, send resources, and compare its verdicts with evaluatePolicies'.
 */
import type { RegisteredResource } from "../../contract";
import { COMPONENT_TYPES } from "../../contract";
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
