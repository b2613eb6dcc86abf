/**
 * The real program with an index.ts that adds resources beside the
 * components, as a teammate (or an attacker with a pull request) might: each
 * addition must be a mandatory violation naming it, in the offline plan (text
 * and `--json`, which carries each violation's enforcement level) and exit 1;
 * broad members and job overrides are advisories the plan prints.
 */
import * as artifactregistry from "@pulumi/gcp/artifactregistry";
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as folder from "@pulumi/gcp/folder";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation, StackConfig } from "../../contract";
import { evaluateStack, type Program } from "../../offline/evaluate";
import { EXIT, runPlan, type PlanDeps } from "../../plan/run";
import { evaluatePolicies } from "../../policy/rules";

/** index.ts, then what a hand-written index.ts adds beside it. */
const withAdditions =
  (add: () => void) =>
  async (real: Program): Promise<Record<string, unknown>> => {
    const outputs = await real();
    add();
    return outputs;
  };

const ATTACKS = {
  // A whole policy whose keys are spelled so that a check of `bindings` alone misses them.
  "sneaky-policy": () =>
    new cloudrunv2.ServiceIamPolicy("sneaky-policy", {
      name: "hello",
      location: "asia-east1",
      policyData: JSON.stringify({ bindings: [{ role: "roles/run.viewer", members: ["user:alice@example.com"] }], BINDINGS: [{ role: "roles/run.invoker", members: ["allUsers"] }] }),
    }),
  // Everyone in the project can call every service.
  "project-invoker": () => new projects.IAMMember("project-invoker", { project: "my-gcp-project", role: "roles/run.invoker", member: "user:mallory@example.com" }),
  "folder-invoker": () => new folder.IAMBinding("folder-invoker", { folder: "folders/123456789012", role: "roles/run.servicesInvoker", members: ["group:contractors@example.com"] }),
  // A caller the stack config does not list.
  "extra-caller": () => new cloudrunv2.ServiceIamMember("extra-caller", { name: "hello", location: "asia-east1", role: "roles/run.invoker", member: "user:mallory@example.com" }),
  "extra-job-runner": () => new cloudrunv2.JobIamMember("extra-job-runner", { name: "nightly", location: "asia-east1", role: "roles/run.jobsExecutor", member: "user:mallory@example.com" }),
  // Someone who may mint tokens as a workload's runtime account reads its secrets and calls what it may call.
  "impersonate-runtime": () =>
    new serviceaccount.IAMMember("impersonate-runtime", {
      serviceAccountId: "projects/my-gcp-project/serviceAccounts/hello-svc@my-gcp-project.iam.gserviceaccount.com",
      role: "roles/iam.serviceAccountTokenCreator",
      member: "user:mallory@example.com",
    }),
  "project-token-creator": () => new projects.IAMMember("project-token-creator", { project: "my-gcp-project", role: "roles/iam.serviceAccountTokenCreator", member: "user:mallory@example.com" }),
  // Public images.
  "public-images": () => new artifactregistry.RepositoryIamMember("public-images", { repository: "private-cloud-run", location: "asia-east1", role: "roles/artifactregistry.reader", member: "allUsers" }),
};

const evaluations: Record<string, Evaluation> = {};

beforeAll(async () => {
  const { config } = loadStackConfig("dev");
  for (const [name, add] of Object.entries(ATTACKS)) evaluations[name] = await evaluateStack({ stack: "dev", config, program: withAdditions(add) });
  // Broad members and job overrides come from the config itself.
  const broad = structuredClone(config) as StackConfig;
  (broad["private-cloud-run:services"] as { invokers: string[] }[])[0].invokers.push("domain:example.com");
  const job = (broad["private-cloud-run:jobs"] as { invokerRole?: string }[])[0];
  job.invokerRole = "roles/run.jobsExecutorWithOverrides";
  evaluations.advisories = await evaluateStack({ stack: "dev", config: broad });
});

/** Runs the plan on an evaluation, with the real policy rules. */
async function plan(evaluation: Evaluation, argv: string[]) {
  const out: string[] = [];
  const deps: PlanDeps = {
    loadStackConfig: () => ({ stack: "dev", config: {} }),
    evaluateStack: async () => evaluation,
    evaluatePolicies: (resources, options) => evaluatePolicies(resources, options),
    rehearse: async () => ({ ok: true, lines: [] }),
  };
  const code = await runPlan(["--no-rehearsal", ...argv], deps, { stdout: (t) => out.push(t), stderr: () => undefined });
  return { code, stdout: out.join("") };
}

describe.each([
  ["sneaky-policy", ["mandatory cloud-run-no-iam-policy sneaky-policy", "mandatory no-public-members sneaky-policy"]],
  ["project-invoker", ["mandatory no-project-level-invoker project-invoker"]],
  ["folder-invoker", ["mandatory no-project-level-invoker folder-invoker"]],
  ["extra-caller", ["mandatory cloud-run-invokers-through-invoker-access extra-caller"]],
  ["extra-job-runner", ["mandatory cloud-run-invokers-through-invoker-access extra-job-runner"]],
  ["public-images", ["mandatory no-public-members public-images"]],
  ["impersonate-runtime", ["mandatory no-acting-as-stack-accounts impersonate-runtime"]],
  ["project-token-creator", ["mandatory no-acting-as-stack-accounts project-token-creator"]],
])("index.ts adds %s", (attack, expected) => {
  it("is refused by the rules, on that resource only", () => {
    const found = evaluatePolicies(evaluations[attack].resources, { stack: "dev" });
    expect(found.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource}`).sort()).toEqual(expected);
  });

  it("fails the plan (exit 1), and --json carries each violation's level", async () => {
    const text = await plan(evaluations[attack], []);
    expect(text.code).toBe(EXIT.mandatoryPolicy);
    expect(text.stdout).toContain(`[mandatory] ${expected[0].split(" ")[1]} on ${attack}`);
    const json = await plan(evaluations[attack], ["--json"]);
    expect(json.code).toBe(EXIT.mandatoryPolicy);
    const document = JSON.parse(json.stdout) as { violations: { policy: string; resource: string; enforcementLevel: string }[] };
    expect(document.violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource}`).sort()).toEqual(expected);
  });
});

describe("broad members and job overrides, from the config", () => {
  it("pass (exit 0) with advisories that say how broad, and what overrides allow", async () => {
    const text = await plan(evaluations.advisories, []);
    expect(text.code).toBe(EXIT.clean);
    expect(text.stdout).toMatch(/\[advisory\] iam-broad-members on hello-invokers-binding .*"domain:example\.com" grants hello-invokers-binding to every account of the Google Workspace or Cloud Identity domain example\.com/);
    expect(text.stdout).toMatch(/\[advisory\] job-invokers-can-override on nightly-invokers-binding .*NODE_OPTIONS/);
    const json = JSON.parse((await plan(evaluations.advisories, ["--json"])).stdout) as { violations: { policy: string; enforcementLevel: string }[] };
    expect(json.violations.map((v) => `${v.enforcementLevel} ${v.policy}`).sort()).toEqual(["advisory iam-broad-members", "advisory job-invokers-can-override"]);
  });
});
