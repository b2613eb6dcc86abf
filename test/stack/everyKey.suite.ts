/**
 * The "every key" stack (test/fixtures/Pulumi.every-key.yaml), planned by the
 * real program under mocks: each value lands exactly where Cloud Run and Secret
 * Manager read it (field names as @pulumi/gcp 9.37 types them), secrets are
 * granted per (workload, secret) to that workload's runtime account only, and
 * nothing anywhere in the evaluation is public.
 */
import * as path from "node:path";
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation, RegisteredResource } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { renderWorkload } from "../../plan/render";
import { summarizeWorkloads } from "../../plan/workloads";
import { evaluatePolicies } from "../../policy/rules";
import { sharedEvaluation } from "../support/sharedEvaluations";
import { ofType, publicExposures, TYPES, workload } from "../support/stackHarness";

const FIXTURE = path.join(__dirname, "..", "fixtures", "Pulumi.every-key.yaml");
const API_SA = "api-svc@my-gcp-project.iam.gserviceaccount.com";
const NIGHTLY_SA = "nightly-job@my-gcp-project.iam.gserviceaccount.com";
const SCHEDULER_SA = "nightly-sched@my-gcp-project.iam.gserviceaccount.com";

let ev: Evaluation;
let dev: Evaluation;
/** Prod: workloads without the runtime keys (dev's hello reads a secret, holds api's URL and leaves through a VPC). */
let prod: Evaluation;
beforeAll(async () => {
  ev = await evaluateStack(loadStackConfig(FIXTURE));
  dev = await sharedEvaluation("dev");
  prod = await sharedEvaluation("prod");
});

const template = (r: RegisteredResource) => r.inputs.template as Record<string, unknown>;
const container = (t: Record<string, unknown>) => (t.containers as Record<string, unknown>[])[0];

describe("the every-key stack plans each value where Cloud Run reads it", () => {
  test("service: env and secrets in containers[0].envs, sorted by name", () => {
    expect(container(template(workload(ev, TYPES.service, "api"))).envs).toEqual([
      { name: "API_TOKEN", valueSource: { secretKeyRef: { secret: "api-token", version: "3" } } },
      { name: "DB_PASSWORD", valueSource: { secretKeyRef: { secret: "db-password", version: "latest" } } },
      { name: "FEATURE_FLAGS", value: "on" },
      { name: "LOG_LEVEL", value: "info" },
    ]);
  });

  test("service: resources, scaling, concurrency, request timeout, Direct VPC egress, labels", () => {
    const api = workload(ev, TYPES.service, "api");
    const t = template(api);
    expect(container(t).resources).toEqual({ limits: { cpu: "2", memory: "1Gi" }, cpuIdle: false, startupCpuBoost: true });
    expect(t.scaling).toEqual({ minInstanceCount: 1, maxInstanceCount: 5 });
    expect(t.maxInstanceRequestConcurrency).toBe(40);
    expect(t.timeout).toBe("120s");
    expect(t.vpcAccess).toEqual({ networkInterfaces: [{ network: "default", subnetwork: "default" }], egress: "ALL_TRAFFIC" });
    expect(t).not.toHaveProperty("executionEnvironment");
    expect(api.inputs.labels).toEqual({ team: "payments", tier: "backend" });
  });

  test("job: env, secrets, resources and Direct VPC egress in the task template; labels on the job", () => {
    const nightly = workload(ev, TYPES.job, "nightly");
    const task = template(nightly).template as Record<string, unknown>;
    expect(container(task).envs).toEqual([
      { name: "BATCH_SIZE", value: "100" },
      { name: "DB_PASSWORD", valueSource: { secretKeyRef: { secret: "db-password", version: "2" } } },
    ]);
    expect(container(task).resources).toEqual({ limits: { cpu: "1", memory: "2Gi" } });
    expect(task.vpcAccess).toEqual({ networkInterfaces: [{ subnetwork: "projects/my-gcp-project/regions/asia-east1/subnetworks/jobs" }], egress: "PRIVATE_RANGES_ONLY" });
    expect(nightly.inputs.labels).toEqual({ team: "payments" });
  });

  test("a workload without the new keys gets Cloud Run's defaults said explicitly, and no envs, labels or VPC", () => {
    const hello = workload(prod, TYPES.service, "hello");
    const t = template(hello);
    expect(container(t).resources).toEqual({ limits: { cpu: "1", memory: "512Mi" }, cpuIdle: true, startupCpuBoost: false });
    expect([t.scaling, t.maxInstanceRequestConcurrency, t.timeout]).toEqual([{ minInstanceCount: 0, maxInstanceCount: 100 }, 80, "300s"]);
    expect(container(t)).not.toHaveProperty("envs");
    expect(t).not.toHaveProperty("vpcAccess");
    expect(hello.inputs).not.toHaveProperty("labels");
  });
});

describe("secrets: one additive grant per (workload, secret), on that secret, to that workload's runtime account", () => {
  const grants = () => ofType(ev, TYPES.secretMember).map((r) => ({ parent: r.parent, ...r.inputs }));

  test("exactly three grants: api reads two secrets, nightly one; the shared secret gets one member per workload", () => {
    const accessor = "roles/secretmanager.secretAccessor";
    expect(grants()).toEqual(
      expect.arrayContaining([
        { parent: "api", project: "my-gcp-project", secretId: "api-token", role: accessor, member: `serviceAccount:${API_SA}` },
        { parent: "api", project: "my-gcp-project", secretId: "db-password", role: accessor, member: `serviceAccount:${API_SA}` },
        { parent: "nightly", project: "my-gcp-project", secretId: "db-password", role: accessor, member: `serviceAccount:${NIGHTLY_SA}` },
      ]),
    );
    expect(grants()).toHaveLength(3);
  });

  test("no Binding or Policy on a secret and no IAM on the project: nothing that could remove others' access or reach every secret", () => {
    const types = ev.resources.map((r) => r.type);
    expect(types.filter((t) => /secretmanager\/.*Iam(Binding|Policy)|projects\/iAM|organizations\/iAM|folder\/iAM/.test(t))).toEqual([]);
    // The stack never creates a secret or a secret version: it only grants access to existing ones.
    expect(types.filter((t) => /secretmanager\/(regionalS|s)ecret(Version)?:/.test(t))).toEqual([]);
  });

  test("the Secret Manager API is enabled when a secret is used, and not otherwise", () => {
    const apis = (e: Evaluation) => ofType(e, TYPES.api).map((r) => r.inputs.service);
    expect(apis(ev)).toContain("secretmanager.googleapis.com");
    expect(apis(prod)).not.toContain("secretmanager.googleapis.com");
  });

  test("the stack outputs say which secrets each workload reads", () => {
    const outputs = ev.outputs as { services: Record<string, { secrets: unknown }>; jobs: Record<string, { secrets: unknown }> };
    expect(outputs.services.api.secrets).toEqual({ API_TOKEN: { secret: "api-token", version: "3" }, DB_PASSWORD: { secret: "db-password", version: "latest" } });
    expect(outputs.jobs.nightly.secrets).toEqual({ DB_PASSWORD: { secret: "db-password", version: "2" } });
  });
});

describe("workload callers: workload:NAME is that workload's runtime account, in the binding the plan shows", () => {
  const bindingOf = (type: string, name: string) => ev.resources.find((r) => r.type === type && r.inputs.name === name)!;

  test("api's binding lets web in, nightly's lets api run it, next to the team", () => {
    const team = ["group:eng@example.com", "user:alice@example.com"];
    expect(bindingOf(TYPES.serviceBinding, "api").inputs.members).toEqual([...team, "serviceAccount:web-svc@my-gcp-project.iam.gserviceaccount.com"].sort());
    expect(bindingOf(TYPES.jobBinding, "nightly").inputs.members).toEqual([...team, `serviceAccount:${API_SA}`, `serviceAccount:${SCHEDULER_SA}`].sort());
  });

  test("each binding waits for the caller's account (created by the same deploy; IAM refuses a member that does not exist yet)", () => {
    const urnOf = (type: string, accountId: string) => ev.resources.find((r) => r.type === type && r.inputs.accountId === accountId)!.urn;
    expect(bindingOf(TYPES.serviceBinding, "api").dependencies).toContain(urnOf(TYPES.account, "web-svc"));
    expect(bindingOf(TYPES.jobBinding, "nightly").dependencies).toContain(urnOf(TYPES.account, "api-svc"));
    // A binding naming no workload waits for no account.
    expect(bindingOf(TYPES.serviceBinding, "web").dependencies).not.toContain(urnOf(TYPES.account, "api-svc"));
  });
});

describe("a scheduled job: one Cloud Scheduler job, as a dedicated account that may only run that job", () => {
  const schedulerJobs = () => ofType(ev, "gcp:cloudscheduler/job:Job");

  test("POSTs the job's :run URL with an OAuth token of the scheduler account, on the cron in its time zone", () => {
    expect(schedulerJobs().map((r) => ({ parent: r.parent, ...r.inputs }))).toEqual([
      {
        parent: "nightly",
        project: "my-gcp-project",
        region: "asia-east1",
        name: "nightly-schedule",
        description: "Runs Cloud Run job nightly (managed by Pulumi)",
        schedule: "0 3 * * MON-FRI",
        timeZone: "Europe/Paris",
        httpTarget: {
          uri: "https://run.googleapis.com/v2/projects/my-gcp-project/locations/asia-east1/jobs/nightly:run",
          httpMethod: "POST",
          oauthToken: { serviceAccountEmail: SCHEDULER_SA, scope: "https://www.googleapis.com/auth/cloud-platform" },
        },
      },
    ]);
  });

  test("the scheduler account is its own (not the runtime account) and is in the job's binding, nowhere else", () => {
    const account = ofType(ev, TYPES.account).filter((r) => r.inputs.accountId === "nightly-sched");
    expect(account.map((r) => r.parent)).toEqual(["nightly"]);
    expect(SCHEDULER_SA).not.toBe(NIGHTLY_SA);
    const grantsNaming = ev.resources.filter((r) => /Iam(Binding|Member|Policy)$|iAM/.test(r.type) && JSON.stringify(r.inputs).includes(SCHEDULER_SA));
    expect(grantsNaming.map((r) => [r.type, r.inputs.name, r.inputs.role])).toEqual([[TYPES.jobBinding, "nightly", "roles/run.invoker"]]);
    expect(grantsNaming[0].inputs.members).toContain(`serviceAccount:${SCHEDULER_SA}`);
  });

  test("the binding waits for the scheduler account, and the schedule for the binding", () => {
    const binding = ev.resources.find((r) => r.type === TYPES.jobBinding && r.inputs.name === "nightly")!;
    const account = ofType(ev, TYPES.account).find((r) => r.inputs.accountId === "nightly-sched")!;
    expect(binding.dependencies).toContain(account.urn);
    expect(schedulerJobs()[0].dependencies).toEqual(expect.arrayContaining([account.urn, binding.urn]));
  });

  test("the Cloud Scheduler API is enabled when a job is scheduled, and not otherwise", () => {
    const apis = (e: Evaluation) => ofType(e, TYPES.api).map((r) => r.inputs.service);
    expect(apis(ev)).toContain("cloudscheduler.googleapis.com");
    expect(apis(dev)).not.toContain("cloudscheduler.googleapis.com");
    expect(ofType(dev, "gcp:cloudscheduler/job:Job")).toEqual([]);
  });

  test("the outputs and the plan mark the scheduler among the job's invokers", () => {
    const outputs = ev.outputs as { jobs: Record<string, { scheduler?: unknown; invokers: string[] }> };
    expect(outputs.jobs.nightly.scheduler).toEqual({ serviceAccountEmail: SCHEDULER_SA, schedule: "0 3 * * MON-FRI", timeZone: "Europe/Paris" });
    expect(outputs.jobs.nightly.invokers).toContain(`serviceAccount:${SCHEDULER_SA}`);
    const nightly = summarizeWorkloads(ev).find((w) => w.kind === "job" && w.name === "nightly")!;
    expect(renderWorkload(nightly)).toContain(`      - serviceAccount:${SCHEDULER_SA}  (scheduler)`);
    expect(renderWorkload(nightly).filter((line) => line.includes("(scheduler)"))).toHaveLength(1);
  });
});

describe("a prebuilt image", () => {
  test("is deployed as its tag pinned to a digest (offline: the labelled stand-in), built from nothing", () => {
    const report = workload(ev, TYPES.job, "report");
    const task = template(report).template as Record<string, unknown>;
    expect(container(task).image).toMatch(/^asia-east1-docker\.pkg\.dev\/my-gcp-project\/apps\/report:2\.0@sha256:[0-9a-f]{64}$/);
    expect(ev.resources.filter((r) => r.type === TYPES.image).map((r) => r.name)).toEqual(["app-image"]);
  });
});

describe("nothing public, every policy passes", () => {
  test("no allUsers/allAuthenticatedUsers/public principalSet anywhere, no invokerIamDisabled: true", () => {
    expect(ev.resources.length).toBeGreaterThan(10);
    expect(publicExposures(ev)).toEqual([]);
  });

  test("the policy pack finds nothing: no violation, no advisory, nothing unverified", () => {
    expect(evaluatePolicies(ev.resources, { stack: ev.stack })).toEqual([]);
  });

  test("a secret grant moved to anyone but a runtime account, or a credential in a plain env value, is caught", () => {
    const faulty = structuredClone(ev.resources);
    faulty.find((r) => r.type === TYPES.secretMember)!.inputs.member = "user:mallory@example.com";
    const task = (faulty.find((r) => r.type === TYPES.job && r.inputs.name === "nightly")!.inputs.template as { template: { containers: { envs: unknown[] }[] } }).template;
    task.containers[0].envs.push({ name: "DB_PASSWORD", value: "hunter2" });
    const found = evaluatePolicies(faulty, { stack: ev.stack }).map((v) => `${v.enforcementLevel} ${v.policy}`);
    expect(found.sort()).toEqual(["advisory env-credentials-in-secrets", "mandatory secret-accessor-runtime-accounts-only"]);
  });
});
