/**
 * Whole-program runs: the real index.ts under Pulumi's mocks, via the offline
 * evaluator, on Pulumi.dev.yaml, Pulumi.prod.yaml and variants built here.
 * Evaluations are computed once (beforeAll) and shared by the assertions.
 */
import { evaluateStack } from "../../offline/evaluate";
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation, StackConfig, StackOutputs } from "../../contract";
import { sharedEvaluation } from "../support/sharedEvaluations";
import { TempSource, TYPES, cloneConfig, iamFor, isIamType, ofType, publicExposures, workload } from "../support/stackHarness";

const ALICE = "user:alice@example.com";
const ENG = "group:eng@example.com";
const CI = "serviceAccount:ci@example-project.iam.gserviceaccount.com";
const BOB = "user:bob@example.com";
const PARTNER = "domain:partner.example.com";
const POOL = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/attribute.repository/acme/app";

const other = new TempSource("other");

/** Several services and jobs, shared and separate sources, both invoker modes. */
function multiConfig(): StackConfig {
  return {
    "gcp:project": "example-project",
    "gcp:region": "asia-east1",
    "private-cloud-run:deletionProtection": false,
    "private-cloud-run:principals": { team: [ALICE, ENG], bots: [CI, "team"] },
    "private-cloud-run:services": [
      { name: "front", source: "./app", ingress: "all", invokers: ["team", BOB, ALICE, "user:Alice@Example.com"], smokePath: "/health/" },
      { name: "api", source: other.source, ingress: "internal", invokers: ["bots", PARTNER], invokerMode: "additive", customAudiences: ["https://api.example.com"] },
      { name: "edge", source: "app/", ingress: "internal-and-cloud-load-balancing", invokers: [POOL], invokerRole: "roles/run.servicesInvoker", deletionProtection: true },
    ],
    "private-cloud-run:jobs": [
      { name: "nightly", source: "./app", command: ["node", "dist/job.js"], invokers: ["team"] },
      { name: "reindex", source: other.source, invokers: [CI, BOB], invokerMode: "additive", invokerRole: "roles/run.jobsExecutor", tasks: 3, maxRetries: 1, timeout: "30m", args: ["--all"], smokeRun: true },
    ],
  };
}

/** Expected effective invokers, written out by hand (not computed by the code under test). */
const EXPECTED_INVOKERS: Record<string, string[]> = {
  front: [ENG, ALICE, BOB].sort(),
  api: [CI, ENG, ALICE, PARTNER].sort(),
  edge: [POOL],
  nightly: [ENG, ALICE].sort(),
  reindex: [CI, BOB].sort(),
};

const dev = loadStackConfig("dev");
const evaluations: Record<string, Evaluation> = {};

beforeAll(async () => {
  // The repository's own stacks, evaluated once per jest run for every suite that reads them.
  evaluations.dev = await sharedEvaluation("dev");
  evaluations.prod = await sharedEvaluation("prod");
  evaluations.multi = await evaluateStack({ stack: "multi", config: multiConfig() });
});
afterAll(() => other.remove());

const names = ["dev", "prod", "multi"];

describe.each(names)("every registered resource (%s)", (name) => {
  const ev = () => evaluations[name];

  test("nothing is public: no allUsers/allAuthenticatedUsers anywhere, no invokerIamDisabled: true", () => {
    expect(publicExposures(ev())).toEqual([]);
  });

  test("every service says invokerIamDisabled: false explicitly", () => {
    const services = ofType(ev(), TYPES.service);
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) expect(s.inputs).toHaveProperty("invokerIamDisabled", false);
  });

  test("each workload runs as its own dedicated service account, which gets no project role", () => {
    const accounts = ofType(ev(), TYPES.account).map((a) => `${a.inputs.accountId}@${a.inputs.project}.iam.gserviceaccount.com`);
    const runAs = [
      ...ofType(ev(), TYPES.service).map((s) => (s.inputs.template as { serviceAccount: string }).serviceAccount),
      ...ofType(ev(), TYPES.job).map((j) => (j.inputs.template as { template: { serviceAccount: string } }).template.serviceAccount),
    ];
    expect(new Set(runAs).size).toBe(runAs.length);
    expect([...runAs].sort()).toEqual([...accounts].sort());
    // No project-level IAM of any kind is registered (gcp:projects/iamMember, iamBinding, iamPolicy).
    expect(ev().resources.filter((r) => r.type.startsWith("gcp:projects/iam"))).toEqual([]);
  });

  test("every container image is digest-pinned", () => {
    const images = [
      ...ofType(ev(), TYPES.service).flatMap((s) => (s.inputs.template as { containers: { image: string }[] }).containers),
      ...ofType(ev(), TYPES.job).flatMap((j) => (j.inputs.template as { template: { containers: { image: string }[] } }).template.containers),
    ].map((c) => c.image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^asia-east1-docker\.pkg\.dev\/[a-z0-9-]+\/private-cloud-run\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/);
  });

  test("images are built for linux/amd64 and pushed with in-memory, secret registry credentials", () => {
    for (const image of ofType(ev(), TYPES.image)) {
      expect(image.inputs.platforms).toEqual(["linux/amd64"]);
      expect(image.inputs.push).toBe(true);
      expect(image.inputs.registries).toEqual([{ address: "asia-east1-docker.pkg.dev", username: "oauth2accesstoken", password: expect.stringMatching(/^ya29\./) }]);
      expect(image.secretInputs).toContain("registries");
    }
  });

  test("builds reuse a registry layer cache beside each image, and previews neither build nor push", () => {
    const images = ofType(ev(), TYPES.image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      const [tag] = image.inputs.tags as string[];
      const cache = tag.replace(/:latest$/, ":buildcache");
      expect(cache).toMatch(/^asia-east1-docker\.pkg\.dev\/[a-z0-9-]+\/private-cloud-run\/[a-z0-9-]+:buildcache$/);
      expect(image.inputs.cacheFrom).toEqual([{ registry: { ref: cache } }]);
      expect(image.inputs.cacheTo).toEqual([{ registry: { ref: cache, mode: "max", imageManifest: true, ociMediaTypes: true, ignoreError: true } }]);
      expect(image.inputs.buildOnPreview).toBe(false);
    }
  });

  test("the access token never reaches the outputs", () => {
    expect(JSON.stringify(ev().outputs)).not.toMatch(/ya29\./);
  });

  test("the needed APIs are enabled, with disableOnDestroy: false said explicitly", () => {
    const apis = ofType(ev(), TYPES.api);
    // Secret Manager's only when a workload reads a secret (dev: the app's own credential).
    const readsSecrets = ofType(ev(), "gcp:secretmanager/secretIamMember:SecretIamMember").length > 0;
    const expected = ["artifactregistry.googleapis.com", "iam.googleapis.com", "iamcredentials.googleapis.com", "run.googleapis.com", ...(readsSecrets ? ["secretmanager.googleapis.com"] : [])];
    expect(apis.map((a) => a.inputs.service).sort()).toEqual(expected);
    expect(readsSecrets).toBe(name === "dev");
    for (const api of apis) expect(api.inputs.disableOnDestroy).toBe(false);
  });

  test("one DOCKER repository with safe cleanup policies (KEEP recent, DELETE only untagged, dry-run explicit)", () => {
    const [repo, ...more] = ofType(ev(), TYPES.repository);
    expect(more).toEqual([]);
    expect(repo.inputs).toMatchObject({ format: "DOCKER", cleanupPolicyDryRun: false, location: "asia-east1" });
    const policies = repo.inputs.cleanupPolicies as { action: string; condition?: Record<string, unknown>; mostRecentVersions?: { keepCount: number } }[];
    expect(policies.length).toBeLessThanOrEqual(10);
    expect(policies.find((p) => p.action === "KEEP")?.mostRecentVersions?.keepCount).toBe(10);
    for (const p of policies.filter((p) => p.action === "DELETE")) {
      expect(p.condition?.tagState).toBe("UNTAGGED");
      expect(String(p.condition?.olderThan)).toMatch(/^\d+s$/);
    }
  });

  test("invoker IAM of each workload equals its expanded config: one Binding, or one Member per principal", () => {
    const out = ev().outputs as unknown as StackOutputs;
    const check = (kind: "service" | "job", name: string, o: { invokers: string[]; invokerMode: string; invokerRole: string }) => {
      const iam = iamFor(ev(), kind, name);
      for (const r of iam) expect(r.inputs.role).toBe(o.invokerRole);
      if (o.invokerMode === "authoritative") {
        expect(iam.map((r) => r.type)).toEqual([kind === "service" ? TYPES.serviceBinding : TYPES.jobBinding]);
        expect(iam[0].inputs.members).toEqual(o.invokers);
      } else {
        expect(new Set(iam.map((r) => r.type))).toEqual(new Set([kind === "service" ? TYPES.serviceMember : TYPES.jobMember]));
        expect(iam.map((r) => r.inputs.member).sort()).toEqual(o.invokers);
      }
    };
    for (const [n, o] of Object.entries(out.services)) check("service", n, o);
    for (const [n, o] of Object.entries(out.jobs)) check("job", n, o);
    expect(ev().resources.filter((r) => /IamPolicy$/.test(r.type))).toEqual([]);
  });

  test("outputs have the StackOutputs shape, with a smoke test per workload", () => {
    const out = ev().outputs as unknown as StackOutputs;
    expect(Object.keys(out).sort()).toEqual(["jobs", "project", "region", "services"]);
    for (const [n, s] of Object.entries(out.services)) {
      expect(s.url).toMatch(new RegExp(`^https://${n}-[a-z0-9]+-de\\.a\\.run\\.app$`));
      expect(s.audiences[0]).toBe(s.url);
      expect(s.smokeTest).toMatchObject({ kind: "service", name: n, url: s.url, expect: { anonymous: 403, invoker: "2xx" } });
      expect(s.smokeTest.commands.user).toContain("gcloud auth print-identity-token");
      expect(s.smokeTest.commands.serviceAccount).toContain("--impersonate-service-account=");
      expect(s.image).toBe(workload(ev(), TYPES.service, n).inputs.template && (workload(ev(), TYPES.service, n).inputs.template as { containers: { image: string }[] }).containers[0].image);
    }
    for (const [n, j] of Object.entries(out.jobs)) {
      expect(j.audiences).toEqual([]);
      expect(j.smokeTest.commands.execute).toBe(`gcloud run jobs execute ${n} --region asia-east1 --project ${out.project} --wait`);
      expect(j.smokeTest.runUrl).toBe(`https://run.googleapis.com/v2/projects/${out.project}/locations/asia-east1/jobs/${n}:run`);
    }
  });
});

describe("Pulumi.dev.yaml and Pulumi.prod.yaml", () => {
  test("dev: example project, hello service on /health/ from ./app calling the internal api, nightly job running node dist/job.js, deletion protection off", () => {
    const ev = evaluations.dev;
    const out = ev.outputs as unknown as StackOutputs;
    expect(out.project).toBe("my-gcp-project");
    expect(out.region).toBe("asia-east1");
    expect(Object.keys(out.services)).toEqual(["hello", "api"]);
    // The call chain: hello reaches api through the VPC, api lets in hello's runtime account only.
    expect(out.services.api.invokers).toEqual([`serviceAccount:${out.services.hello.serviceAccountEmail}`]);
    const api = workload(ev, TYPES.service, "api");
    expect(api.inputs.ingress).toBe("INGRESS_TRAFFIC_INTERNAL_ONLY");
    const helloTemplate = workload(ev, TYPES.service, "hello").inputs.template as { vpcAccess: unknown; containers: { envs: unknown[] }[] };
    expect(helloTemplate.vpcAccess).toEqual({ networkInterfaces: [{ network: "default", subnetwork: "default" }], egress: "ALL_TRAFFIC" });
    expect(helloTemplate.containers[0].envs).toEqual([
      { name: "APP_TOKEN", valueSource: { secretKeyRef: { secret: "app-token", version: "latest" } } },
      { name: "CALLEE_URL", value: out.services.api.url },
    ]);
    expect(Object.keys(out.jobs)).toEqual(["nightly"]);
    expect(out.services.hello.smokeTest.path).toBe("/health/");
    const hello = workload(ev, TYPES.service, "hello");
    const nightly = workload(ev, TYPES.job, "nightly");
    expect(hello.inputs.deletionProtection).toBe(false);
    expect(nightly.inputs.deletionProtection).toBe(false);
    expect((nightly.inputs.template as { template: { containers: { commands: string[] }[] } }).template.containers[0].commands).toEqual(["node", "dist/job.js"]);
    const container = (hello.inputs.template as { containers: Record<string, unknown>[] }).containers[0];
    expect(container.startupProbe).toMatchObject({ httpGet: { path: "/health/", port: 8080 } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/health/", port: 8080 } });
    expect(ofType(ev, TYPES.image)).toHaveLength(1);
    expect((ofType(ev, TYPES.image)[0].inputs.context as { location: string }).location).toBe("app");
  });

  test("dev uses only example principals (example.com / the example project)", () => {
    const members = ev_members(evaluations.dev);
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) expect(m).toMatch(/(@|:)(example\.com|my-gcp-project\.iam\.gserviceaccount\.com)$/);
  });

  test.each([
    ["dev", "my-gcp-project"],
    ["prod", "my-gcp-project-prod"],
  ])("%s: bootstrap's smoke account (CI's smoke test calls as it) is an invoker of every workload; the deploy account is none", (stack, project) => {
    const smokeAccount = `serviceAccount:pulumi-smoke@${project}.iam.gserviceaccount.com`;
    const out = evaluations[stack].outputs as unknown as StackOutputs;
    // A service with internal ingress is out of the smoke test's reach (it lists it as not checked): no grant for it.
    const workloads = [...Object.values(out.services).filter((s) => (s.smokeTest.ingress ?? "all") === "all"), ...Object.values(out.jobs)];
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) expect({ name: w.smokeTest.name, smoke: w.invokers.includes(smokeAccount), deploy: w.invokers.some((m) => m.includes("pulumi-deploy@")) }).toEqual({ name: w.smokeTest.name, smoke: true, deploy: false });
    expect(out.services.hello.smokeTest.commands.serviceAccount).toContain(`--impersonate-service-account=${smokeAccount.slice("serviceAccount:".length)}`);
  });

  test.each(["dev", "prod"])("%s: the outputs carry each service's ingress and each job's smokeRun (off by default)", (stack) => {
    const out = evaluations[stack].outputs as unknown as StackOutputs;
    expect([out.services.hello.ingress, out.services.hello.smokeTest.ingress]).toEqual(["all", "all"]);
    expect(out.jobs.nightly.smokeTest).toMatchObject({ run: false, expect: { execution: "not-run" } });
  });

  test("the outputs carry each service's configured ingress and each job's smokeRun, as the smoke test reads them", () => {
    const out = evaluations.multi.outputs as unknown as StackOutputs;
    const ingress = Object.fromEntries(Object.entries(out.services).map(([name, s]) => [name, [s.ingress, s.smokeTest.ingress]]));
    expect(ingress).toEqual({ front: ["all", "all"], api: ["internal", "internal"], edge: ["internal-and-cloud-load-balancing", "internal-and-cloud-load-balancing"] });
    const run = Object.fromEntries(Object.entries(out.jobs).map(([name, j]) => [name, [j.smokeTest.run, j.smokeTest.expect.execution]]));
    expect(run).toEqual({ nightly: [false, "not-run"], reindex: [true, "succeeded"] });
  });

  test("prod: its own project, deletion protection on for every workload", () => {
    const ev = evaluations.prod;
    expect((ev.outputs as unknown as StackOutputs).project).toBe("my-gcp-project-prod");
    const workloads = [...ofType(ev, TYPES.service), ...ofType(ev, TYPES.job)];
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) expect(w.inputs.deletionProtection).toBe(true);
  });
});

function ev_members(ev: Evaluation): string[] {
  return ev.resources.filter((r) => isIamType(r.type)).flatMap((r) => (r.inputs.members as string[] | undefined) ?? [r.inputs.member as string]);
}

describe("config variant: several services and jobs, shared and separate sources, both modes", () => {
  const ev = () => evaluations.multi;
  const out = () => ev().outputs as unknown as StackOutputs;

  test("one image build per distinct source; workloads on the same source share the digest", () => {
    expect(ofType(ev(), TYPES.image)).toHaveLength(2);
    const o = out();
    expect(o.services.front.image).toBe(o.services.edge.image);
    expect(o.services.front.image).toBe(o.jobs.nightly.image);
    expect(o.services.api.image).toBe(o.jobs.reindex.image);
    expect(o.services.api.image).not.toBe(o.services.front.image);
  });

  test("ingress maps from the friendly names to the API values", () => {
    expect(workload(ev(), TYPES.service, "front").inputs.ingress).toBe("INGRESS_TRAFFIC_ALL");
    expect(workload(ev(), TYPES.service, "api").inputs.ingress).toBe("INGRESS_TRAFFIC_INTERNAL_ONLY");
    expect(workload(ev(), TYPES.service, "edge").inputs.ingress).toBe("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
  });

  test("effective invokers: groups expanded (nested too), duplicates merged (emails without letter case), sorted", () => {
    const o = out();
    const actual = Object.fromEntries([...Object.entries(o.services), ...Object.entries(o.jobs)].map(([n, w]) => [n, w.invokers]));
    expect(actual).toEqual(EXPECTED_INVOKERS);
  });

  test("authoritative binding members equal the expanded config exactly", () => {
    expect(iamFor(ev(), "service", "front").map((r) => [r.type, r.inputs.members])).toEqual([[TYPES.serviceBinding, EXPECTED_INVOKERS.front]]);
    expect(iamFor(ev(), "service", "edge").map((r) => [r.type, r.inputs.role, r.inputs.members])).toEqual([[TYPES.serviceBinding, "roles/run.servicesInvoker", [POOL]]]);
    expect(iamFor(ev(), "job", "nightly").map((r) => [r.type, r.inputs.members])).toEqual([[TYPES.jobBinding, EXPECTED_INVOKERS.nightly]]);
  });

  test("additive mode registers one Member per principal and no Binding", () => {
    const api = iamFor(ev(), "service", "api");
    expect(api.map((r) => r.type)).toEqual(EXPECTED_INVOKERS.api.map(() => TYPES.serviceMember));
    expect(api.map((r) => r.inputs.member).sort()).toEqual(EXPECTED_INVOKERS.api);
    const reindex = iamFor(ev(), "job", "reindex");
    expect(reindex.map((r) => [r.type, r.inputs.role])).toEqual(EXPECTED_INVOKERS.reindex.map(() => [TYPES.jobMember, "roles/run.jobsExecutor"]));
    expect(reindex.map((r) => r.inputs.member).sort()).toEqual(EXPECTED_INVOKERS.reindex);
  });

  test("without smokePath, the probes and the smoke test use /health/ (the app serves it; paths ending in z are reserved)", () => {
    const container = (workload(ev(), TYPES.service, "api").inputs.template as { containers: Record<string, unknown>[] }).containers[0];
    expect(container.startupProbe).toMatchObject({ httpGet: { path: "/health/", port: 8080 } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/health/", port: 8080 } });
    expect(out().services.api.smokeTest.path).toBe("/health/");
    expect(out().services.api.smokeTest.commands.user).toMatch(/\.a\.run\.app\/health\/$/);
  });

  test("custom audiences reach the service, the audiences output and the smoke test", () => {
    expect(workload(ev(), TYPES.service, "api").inputs.customAudiences).toEqual(["https://api.example.com"]);
    expect(out().services.api.audiences).toEqual([out().services.api.url, "https://api.example.com"]);
    expect(out().services.api.smokeTest.audience).toBe("https://api.example.com");
  });

  test("job settings: tasks, retries, timeout in whole seconds, args; per-workload deletion protection", () => {
    const reindex = workload(ev(), TYPES.job, "reindex").inputs.template as { taskCount: number; template: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    expect(reindex.taskCount).toBe(3);
    expect(reindex.template.maxRetries).toBe(1);
    expect(reindex.template.timeout).toBe("1800s");
    expect(reindex.template.containers[0].args).toEqual(["--all"]);
    expect(workload(ev(), TYPES.service, "edge").inputs.deletionProtection).toBe(true);
    expect(workload(ev(), TYPES.service, "front").inputs.deletionProtection).toBe(false);
  });

  test("the impersonation command uses a service-account invoker when there is one", () => {
    expect(out().services.api.smokeTest.commands.serviceAccount).toContain("--impersonate-service-account=ci@example-project.iam.gserviceaccount.com");
  });
});

describe("config variant: a service and a job with the same name", () => {
  test("both deploy, each with its own runtime account and IAM, and distinct URNs", async () => {
    const ev = await evaluateStack({
      stack: "twins",
      config: {
        ...multiConfig(),
        "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: [ALICE] }],
        "private-cloud-run:jobs": [{ name: "hello", source: "./app", invokers: [BOB] }],
      },
    });
    expect(new Set(ev.resources.map((r) => r.urn)).size).toBe(ev.resources.length);
    expect(ofType(ev, TYPES.account).map((a) => a.inputs.accountId).sort()).toEqual(["hello-job", "hello-svc"]);
    expect(iamFor(ev, "service", "hello").map((r) => r.inputs.members)).toEqual([[ALICE]]);
    expect(iamFor(ev, "job", "hello").map((r) => r.inputs.members)).toEqual([[BOB]]);
  });
});

describe("determinism and change scope", () => {
  test("two runs on the same config register identical resources and outputs", async () => {
    // evaluations.dev is the run every suite shares (another run, possibly in another worker).
    const again = await evaluateStack(dev);
    expect(again).toEqual(evaluations.dev);
  });

  test("changing only the invokers changes only IAM resources (the service and its revision are untouched)", async () => {
    const config = cloneConfig(multiConfig());
    const services = config["private-cloud-run:services"] as { invokers: string[] }[];
    services[0].invokers = [BOB];
    services[1].invokers = [CI, "user:carol@example.com"];
    const changed = await evaluateStack({ stack: "multi", config });
    const before = new Map(evaluations.multi.resources.map((r) => [r.urn, r]));
    const differing = changed.resources.filter((r) => JSON.stringify(before.get(r.urn)?.inputs) !== JSON.stringify(r.inputs));
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.filter((r) => !isIamType(r.type))).toEqual([]);
    expect(workload(changed, TYPES.service, "front").inputs).toEqual(workload(evaluations.multi, TYPES.service, "front").inputs);
  });

  test("a changed source changes its digest and rolls its workloads; the unchanged source keeps its digest", async () => {
    const source = new TempSource("rolling", "FROM scratch\n# v1\n");
    try {
      const config = (): StackConfig => ({
        ...multiConfig(),
        "private-cloud-run:services": [{ name: "roll", source: source.source, invokers: [ALICE] }, { name: "steady", source: "./app", invokers: [ALICE] }],
        "private-cloud-run:jobs": [],
      });
      const v1 = await evaluateStack({ stack: "roll", config: config() });
      source.write("FROM scratch\n# v2\n");
      const v2 = await evaluateStack({ stack: "roll", config: config() });
      const image = (ev: Evaluation, name: string) => (ev.outputs as unknown as StackOutputs).services[name].image;
      expect(image(v2, "roll")).not.toBe(image(v1, "roll"));
      expect(image(v2, "steady")).toBe(image(v1, "steady"));
      expect(workload(v2, TYPES.service, "steady").inputs).toEqual(workload(v1, TYPES.service, "steady").inputs);
    } finally {
      source.remove();
    }
  });
});
