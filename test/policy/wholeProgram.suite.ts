/**
 * Every rule over every resource the REAL program registers under mocks
 * (offline/evaluate.ts), for the dev and prod stacks; then over copies of those
 * resources with one deliberate fault each, which must be caught.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Evaluation, RegisteredResource } from "../../contract";
import { evaluatePolicies, Violation } from "../../policy/rules";
import { sharedEvaluation } from "../support/sharedEvaluations";

const SERVICE = "gcp:cloudrunv2/service:Service";
const JOB = "gcp:cloudrunv2/job:Job";
const SERVICE_BINDING = "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding";
const JOB_BINDING = "gcp:cloudrunv2/jobIamBinding:JobIamBinding";

const evaluations: Record<string, Evaluation> = {};

beforeAll(async () => {
  for (const stack of ["dev", "prod"] as const) evaluations[stack] = await sharedEvaluation(stack);
});

/** A deep copy of `resources` where `mutate` edited the inputs of every resource of `type`. */
function inject(resources: RegisteredResource[], type: string, mutate: (inputs: Record<string, unknown>) => void): RegisteredResource[] {
  const copy = structuredClone(resources);
  const targets = copy.filter((r) => r.type === type);
  expect(targets.length).toBeGreaterThan(0); // the fault must land somewhere real
  targets.forEach((r) => mutate(r.inputs));
  return copy;
}

const mandatory = (violations: Violation[]) => violations.filter((v) => v.enforcementLevel === "mandatory");
const summary = (violations: Violation[]) => violations.map((v) => `${v.policy} ${v.resource}`).sort();
const template = (inputs: Record<string, unknown>) => inputs.template as Record<string, unknown>;
const taskTemplate = (inputs: Record<string, unknown>) => template(inputs).template as Record<string, unknown>;
const firstContainer = (t: Record<string, unknown>) => (t.containers as Record<string, unknown>[])[0];

describe.each(["dev", "prod"])("the %s stack", (stack) => {
  const resources = () => evaluations[stack].resources;

  it("registers the resources the rules are about", () => {
    const types = new Set(resources().map((r) => r.type));
    for (const type of [SERVICE, JOB, SERVICE_BINDING, JOB_BINDING, "gcp:artifactregistry/repository:Repository"]) expect(types).toContain(type);
  });

  it("has no violation at all: nothing mandatory, no advisory, nothing unverified", () => {
    expect(evaluatePolicies(resources(), { stack })).toEqual([]);
  });

  it.each([
    ["a public member on the service binding", SERVICE_BINDING, (i: Record<string, unknown>) => (i.members as string[]).push("allUsers"), "no-public-members"],
    ["allAuthenticatedUsers on the job binding", JOB_BINDING, (i: Record<string, unknown>) => (i.members as string[]).push("group:allAuthenticatedUsers"), "no-public-members"],
    ["invokerIamDisabled: true", SERVICE, (i: Record<string, unknown>) => (i.invokerIamDisabled = true), "cloud-run-invoker-iam-enabled"],
    ["the default compute SA on the service", SERVICE, (i: Record<string, unknown>) => (template(i).serviceAccount = "123456789012-compute@developer.gserviceaccount.com"), "cloud-run-dedicated-service-account"],
    ["no runtime SA on the job", JOB, (i: Record<string, unknown>) => delete taskTemplate(i).serviceAccount, "cloud-run-dedicated-service-account"],
    ["a tag-pinned service image", SERVICE, (i: Record<string, unknown>) => (firstContainer(template(i)).image = "asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app:latest"), "cloud-run-image-by-digest"],
    ["a tag-pinned job image", JOB, (i: Record<string, unknown>) => (firstContainer(taskTemplate(i)).image = "asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app:v1"), "cloud-run-image-by-digest"],
  ])("catches %s as mandatory, on that resource only", (_label, type, mutate, policy) => {
    const faulty = inject(resources(), type, mutate);
    const found = mandatory(evaluatePolicies(faulty, { stack }));
    const expected = faulty.filter((r) => r.type === type).map((r) => `${policy} ${r.name}`);
    // A workload that no longer runs as its runtime account leaves that account's secret grants
    // pointing at an account no workload runs as: the secret rule rightly refuses them too.
    const alsoSecretGrants =
      policy === "cloud-run-dedicated-service-account"
        ? faulty
            .filter((r) => r.type === "gcp:secretmanager/secretIamMember:SecretIamMember" && faulty.some((w) => w.type === type && w.parent === r.parent))
            .map((r) => `secret-accessor-runtime-accounts-only ${r.name}`)
        : [];
    expect(summary(found)).toEqual([...expected, ...alsoSecretGrants].sort());
  });

  it("treats a computed image (a preview's unknown digest) as unverified, not as a pass or a failure", () => {
    const faulty = inject(resources(), SERVICE, (i) => (firstContainer(template(i)).image = pulumi.unknown));
    const violations = evaluatePolicies(faulty, { stack });
    expect(mandatory(violations)).toEqual([]);
    const services = faulty.filter((r) => r.type === SERVICE);
    expect(violations).toEqual(
      services.map(() =>
        expect.objectContaining({ policy: "cloud-run-image-by-digest", enforcementLevel: "advisory", unverified: true, message: expect.stringContaining("template.containers[0].image is computed") }),
      ),
    );
    expect(violations.map((v) => v.resource).sort()).toEqual(services.map((r) => r.name).sort());
  });

  it("treats a computed runtime SA (the engine's wire sentinel) as unverified", () => {
    const faulty = inject(resources(), JOB, (i) => (taskTemplate(i).serviceAccount = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"));
    expect(evaluatePolicies(faulty, { stack })).toEqual([
      expect.objectContaining({ policy: "cloud-run-dedicated-service-account", enforcementLevel: "advisory", unverified: true }),
    ]);
  });
});

describe("deletion protection on production", () => {
  it("prod keeps deletion protection on: no advisory", () => {
    const violations = evaluatePolicies(evaluations.prod.resources, { stack: "prod" });
    expect(violations.filter((v) => v.policy === "deletion-protection-on-production")).toEqual([]);
  });

  it("dev turns it off, which is fine for dev but an advisory if that config were deployed as a production stack", () => {
    const dev = evaluations.dev.resources;
    expect(dev.filter((r) => r.inputs.deletionProtection === false).length).toBeGreaterThan(0);
    const violations = evaluatePolicies(dev, { stack: "production" });
    const expected = dev.filter((r) => !r.component && r.inputs.deletionProtection === false).map((r) => `deletion-protection-on-production ${r.name}`);
    expect(summary(violations)).toEqual(expected.sort());
    expect(mandatory(violations)).toEqual([]);
  });
});

describe("Artifact Registry cleanup against the deployed digest", () => {
  it("warns when the prod repository's KEEP policy is dropped", () => {
    const faulty = inject(evaluations.prod.resources, "gcp:artifactregistry/repository:Repository", (i) => {
      i.cleanupPolicies = (i.cleanupPolicies as { action: string }[]).filter((p) => p.action !== "KEEP");
    });
    const violations = evaluatePolicies(faulty, { stack: "prod" });
    expect(violations).toEqual([
      expect.objectContaining({ policy: "artifact-cleanup-keeps-deployed-digest", enforcementLevel: "advisory", message: expect.stringContaining("once it is untagged") }),
    ]);
  });
});
