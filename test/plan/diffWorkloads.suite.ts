/**
 * `--diff` of the runtime settings: an env value, a secret version, a limit or scaling
 * that changes shows as a change of that workload; a secret reader or a workload:
 * caller added or removed shows like an invoker (with who it is). The real program,
 * two configs, compared as the plan compares them.
 */
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation, StackConfig } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { diffEvaluations, renderDiff } from "../../plan/diff";
import { runtimeSettings } from "../../plan/diffWorkloads";
import { resource } from "./fixtures";

type Workload = Record<string, unknown>;

let before: Evaluation;
let after: Evaluation;

beforeAll(async () => {
  const { config } = loadStackConfig("dev");
  before = await evaluateStack({ stack: "dev", config });
  const changed = structuredClone(config) as StackConfig;
  const services = changed["private-cloud-run:services"] as Workload[];
  const hello = services.find((s) => s.name === "hello")!;
  const api = services.find((s) => s.name === "api")!;
  hello.env = { LOG_LEVEL: "debug" };
  hello.secrets = { APP_TOKEN: "app-token:3", DB_PASSWORD: "db-password" };
  hello.resources = { memory: "1Gi" };
  hello.scaling = { min: 1, max: 5 };
  // The job may now call api too (it leaves through the VPC, as an internal callee needs).
  api.invokers = ["workload:hello", "workload:nightly"];
  const nightly = (changed["private-cloud-run:jobs"] as Workload[])[0];
  nightly.vpc = { subnetwork: "default", egress: "all-traffic" };
  after = await evaluateStack({ stack: "dev", config: changed });
});

describe("--diff: workload settings, secret readers and workload callers", () => {
  it("lists each changed setting of the workload: env value, secret reference and version, limit, scaling, VPC", () => {
    const diff = diffEvaluations(before, after);
    const hello = diff.workloadSettings.find((w) => w.workload === "hello")!;
    expect(hello.changes).toEqual(
      expect.arrayContaining([
        { setting: "env LOG_LEVEL", after: "debug" },
        { setting: "secret APP_TOKEN", before: "app-token:latest", after: "app-token:3" },
        { setting: "secret DB_PASSWORD", after: "db-password:latest" },
        { setting: "memory", before: "512Mi", after: "1Gi" },
        { setting: "scaling.min", before: "0", after: "1" },
        { setting: "scaling.max", before: "100", after: "5" },
      ]),
    );
    expect(diff.workloadSettings.find((w) => w.workload === "nightly")!.changes).toEqual(
      expect.arrayContaining([{ setting: "vpc.egress", after: "ALL_TRAFFIC" }, { setting: "vpc.subnetwork", after: "default" }]),
    );
    // Unchanged workloads are not listed.
    expect(diff.workloadSettings.map((w) => w.workload)).not.toContain("api");
    const text = renderDiff(diff).join("\n");
    expect(text).toMatch(/Workload settings:\n {2}job nightly:\n(.*\n)* {2}service hello:\n(.*\n)* {4}~ memory: 512Mi → 1Gi\n/);
    expect(text).toContain("    ~ secret APP_TOKEN: app-token:latest → app-token:3");
    expect(text).toContain("    + env LOG_LEVEL: debug");
  });

  it("a new secret reader and a new workload caller show like invokers, saying whose runtime account they are", () => {
    const diff = diffEvaluations(before, after);
    expect(diff.secretAccess).toEqual([
      { secret: "db-password", added: ["serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com (runtime account of service hello) roles/secretmanager.secretAccessor"], removed: [] },
    ]);
    const text = renderDiff(diff).join("\n");
    expect(text).toContain("  service api:\n    + serviceAccount:nightly-job@my-gcp-project.iam.gserviceaccount.com (runtime account of job nightly)\n");
    expect(text).toContain("  secret db-password:\n    + serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com (runtime account of service hello) roles/secretmanager.secretAccessor");
  });

  it("no change: the settings section says so", () => {
    expect(renderDiff(diffEvaluations(before, before)).join("\n")).toContain("Workload settings:\n  (no change)");
  });

  it("never shows a value from a template marked secret", () => {
    const service = resource("gcp:cloudrunv2/service:Service", "s", null, { template: { containers: [{ envs: [{ name: "K", value: "v" }] }] } }, { secretInputs: ["template"] });
    expect(runtimeSettings("service", service).size).toBe(0);
  });
});

describe("the plan's text view of what each workload runs with", () => {
  it("the every-key stack: env values, secret references (never a value), limits, scaling, VPC, labels, the schedule", async () => {
    const { planInProcess } = await import("../support/planInProcess");
    const { code, stdout } = await planInProcess(["--config", "test/fixtures/Pulumi.every-key.yaml", "--no-rehearsal"]);
    expect(code).toBe(0);
    const api = stdout.slice(stdout.indexOf("  service api\n"), stdout.indexOf("  service web\n"));
    expect(api).toContain("    env                 FEATURE_FLAGS=on, LOG_LEVEL=info\n");
    expect(api).toContain("    secrets             API_TOKEN ← api-token:3, DB_PASSWORD ← db-password:latest\n");
    expect(api).toContain("    resources           cpu 2, memory 1Gi, cpuIdle false, startupCpuBoost true\n");
    expect(api).toContain("    scaling             instances 1–5, concurrency 40, request timeout 120s\n");
    expect(api).toContain("    vpc egress          ALL_TRAFFIC through default/default\n");
    expect(api).toContain("    labels              team=payments, tier=backend\n");
    const nightly = stdout.slice(stdout.indexOf("  job nightly\n"), stdout.indexOf("  job report\n"));
    expect(nightly).toContain("    task timeout        600s\n");
    expect(nightly).toContain("    schedule            0 3 * * MON-FRI (Europe/Paris), Cloud Scheduler calls as nightly-sched@my-gcp-project.iam.gserviceaccount.com\n");
  });
});
