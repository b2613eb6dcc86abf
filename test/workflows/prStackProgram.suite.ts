/**
 * The per-PR stack config the pr-stack workflow generates runs through the REAL
 * program (offline/evaluate.ts, under mocks): it validates, deletion protection
 * is off everywhere (so the close-time destroy can succeed), nothing collides
 * with dev by name, it pushes to dev's repository and creates none, and the
 * smoke account is an invoker (so the smoke passes).
 */
import { evaluateStack } from "../../offline/evaluate";
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation, RegisteredResource } from "../../contract";
import { prStackConfig } from "../../.github/scripts/prStackConfig";

// Not dev's own smoke account (Pulumi.dev.yaml already lists that one as an
// invoker): an account dev does not grant, so the test sees the generator add it.
const SMOKE_SA = "serviceAccount:pr-smoke@my-gcp-project.iam.gserviceaccount.com";

function ofType(evaluation: Evaluation, suffix: string): RegisteredResource[] {
  return evaluation.resources.filter((resource) => resource.type.endsWith(suffix));
}

describe("a generated PR stack config, through the real program", () => {
  let dev: Evaluation;
  let pr: Evaluation;

  beforeAll(async () => {
    const { config } = loadStackConfig("dev");
    dev = await evaluateStack({ stack: "dev", config });
    const generated = prStackConfig({ config }, { pr: 42, invoker: SMOKE_SA });
    pr = await evaluateStack({ stack: "pr-42", config: generated.config ?? {} });
  });

  it("turns deletion protection off on every service and job", () => {
    const workloads = [...ofType(pr, "cloudrunv2/service:Service"), ...ofType(pr, "cloudrunv2/job:Job")];
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) expect({ name: workload.name, deletionProtection: workload.inputs.deletionProtection }).toEqual({ name: workload.name, deletionProtection: false });
  });

  it("names every Cloud Run workload, runtime account and image apart from dev's", () => {
    const names = (evaluation: Evaluation, suffix: string, key: string) => ofType(evaluation, suffix).map((r) => String(r.inputs[key]));
    for (const [suffix, key] of [
      ["cloudrunv2/service:Service", "name"],
      ["cloudrunv2/job:Job", "name"],
      ["serviceaccount/account:Account", "accountId"],
      ["docker-build:index:Image", "tags"],
    ]) {
      const prNames = names(pr, suffix, key);
      expect(prNames.length).toBe(names(dev, suffix, key).length);
      for (const name of prNames) expect(names(dev, suffix, key)).not.toContain(name);
    }
    expect(names(pr, "cloudrunv2/service:Service", "name").every((name) => name.endsWith("-pr42"))).toBe(true);
  });

  it("creates no repository: its images go to dev's, under their own names, starting from dev's build cache", () => {
    expect(ofType(dev, "artifactregistry/repository:Repository")).toHaveLength(1);
    expect(ofType(pr, "artifactregistry/repository:Repository")).toEqual([]);
    const [devImage] = ofType(dev, "docker-build:index:Image");
    const [prImage] = ofType(pr, "docker-build:index:Image");
    const devRepository = (devImage.inputs.tags as string[])[0].replace(/\/[^/]+$/, "");
    expect((prImage.inputs.tags as string[])[0]).toBe(`${devRepository}/app-pr42:latest`);
    expect(prImage.inputs.cacheFrom).toEqual([{ registry: { ref: `${devRepository}/app-pr42:buildcache` } }, { registry: { ref: `${devRepository}/app:buildcache` } }]);
    // It writes only its own cache, never dev's.
    expect(prImage.inputs.cacheTo).toEqual([{ registry: expect.objectContaining({ ref: `${devRepository}/app-pr42:buildcache` }) }]);
    // Every workload runs the PR's image, by digest.
    const service = ofType(pr, "cloudrunv2/service:Service")[0];
    expect(JSON.stringify(service.inputs.template)).toContain(`${devRepository}/app-pr42@sha256:`);
  });

  it("grants the smoke account invoker on every workload, beside dev's invokers", () => {
    const bindings = [...ofType(pr, "serviceIamBinding:ServiceIamBinding"), ...ofType(pr, "jobIamBinding:JobIamBinding")];
    const members = [...ofType(pr, "serviceIamMember:ServiceIamMember"), ...ofType(pr, "jobIamMember:JobIamMember")];
    expect(bindings.length + members.length).toBeGreaterThan(0);
    for (const binding of bindings) expect(binding.inputs.members).toContain(SMOKE_SA);
    const devMembers = new Set(ofType(dev, "IamBinding").flatMap((binding) => binding.inputs.members as string[]));
    expect(devMembers.has(SMOKE_SA)).toBe(false);
    const prMembers = new Set(ofType(pr, "IamBinding").flatMap((binding) => binding.inputs.members as string[]));
    // A stack workload calling another (workload:NAME) is the PR's renamed workload, not dev's.
    const renamed = [...devMembers].map((member) => member.replace(/^serviceAccount:([a-z0-9-]+?)-(svc|job)@/, "serviceAccount:$1-pr42-$2@"));
    expect([...prMembers].sort()).toEqual([...new Set([...renamed, SMOKE_SA])].sort());
  });

  it("calls between workloads follow the renames: workload:NAME callers and serviceUrls name the PR's own workloads", () => {
    const { config } = loadStackConfig("dev");
    const generated = prStackConfig(
      { config: { ...config, "private-cloud-run:principals": { callers: ["workload:hello", "user:a@example.com"] } } },
      { pr: 7 },
    ).config as Record<string, unknown>;
    expect(generated["private-cloud-run:principals"]).toEqual({ callers: ["workload:hello-pr7", "user:a@example.com"] });
    const services = generated["private-cloud-run:services"] as { name: string; invokers: string[]; serviceUrls?: Record<string, string> }[];
    const callers = services.filter((s) => s.serviceUrls !== undefined);
    expect(callers.length).toBeGreaterThan(0);
    for (const caller of callers) for (const callee of Object.values(caller.serviceUrls!)) expect(services.map((s) => s.name)).toContain(callee);
    const workloadInvokers = services.flatMap((s) => s.invokers.filter((m) => m.startsWith("workload:")));
    expect(workloadInvokers.length).toBeGreaterThan(0);
    for (const member of workloadInvokers) expect(member).toMatch(/-pr7$/);
    // The PR stack's hello holds the PR stack's api URL, not dev's.
    const prHello = ofType(pr, "cloudrunv2/service:Service").find((r) => r.inputs.name === "hello-pr42")!;
    const prApiUrl = (pr.outputs.services as Record<string, { url: string }>)["api-pr42"].url;
    expect((prHello.inputs.template as { containers: { envs: { name: string; value: string }[] }[] }).containers[0].envs).toContainEqual({ name: "CALLEE_URL", value: prApiUrl });
  });
});
