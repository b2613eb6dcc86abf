/**
 * `--access`: every principal → what it can reach, with the role, from the IAM
 * resources the program registers. The attacker's move is to grant beside the
 * components (a project-level role, a hand-written member, a policy with odd key
 * case, a computed member): each must still show. Pure on fixtures, then on the
 * real program with resources added beside index.ts, through the plan CLI in-process.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as projects from "@pulumi/gcp/projects";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import { loadStackConfig } from "../../config/stackFile";
import type { Evaluation } from "../../contract";
import { evaluateStack, type Program } from "../../offline/evaluate";
import { accessView, COMPUTED_MEMBER, renderAccess, type AccessView } from "../../plan/access";
import { diffAccess, renderAccessDiff } from "../../plan/accessDiff";
import { parsePlanArgs } from "../../plan/args";
import { runPlan, type PlanDeps } from "../../plan/run";
import { evaluatePolicies } from "../../policy/rules";
import { planInProcess } from "../support/planInProcess";
import { fixtureEvaluation, resource } from "./fixtures";

/** principal → ["kind name role", …], the shape a reviewer reads. */
function reach(view: AccessView): Record<string, string[]> {
  return Object.fromEntries(view.principals.map((p) => [p.principal, p.grants.map((g) => `${g.target.kind} ${g.target.name} ${g.role}`)]));
}

/** The fixture plus IAM resources added beside the components. */
function withExtras(...extras: ReturnType<typeof resource>[]): Evaluation {
  const evaluation = fixtureEvaluation({ withJob: true });
  return { ...evaluation, resources: [...evaluation.resources, ...extras] };
}

describe("accessView on fixtures", () => {
  it("turns the invoker grants around per principal, and names a stack runtime account as such", () => {
    const view = accessView(fixtureEvaluation({ withJob: true }));
    expect(reach(view)).toEqual({
      "group:eng@example.com": ["service hello roles/run.invoker"],
      "serviceAccount:hello-run@demo.iam.gserviceaccount.com": ["job nightly roles/run.invoker"],
      "user:alice@example.com": ["service hello roles/run.invoker"],
    });
    const hello = view.principals.find((p) => p.principal.startsWith("serviceAccount:hello-run"))!;
    expect(hello.note).toBe("runtime account of service hello");
    expect(hello.grants[0]).toMatchObject({ mode: "additive", byComponents: true, via: { name: "nightly-invoker-0" } });
    expect(view.principals.find((p) => p.principal === "group:eng@example.com")!.grants[0].mode).toBe("authoritative");
  });

  it("shows every grant made beside the components, on what it names, marked as such", () => {
    const view = accessView(
      withExtras(
        resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "extra-caller", null, { name: "hello", location: "asia-east1", role: "roles/run.invoker", member: "user:mallory@example.com" }),
        resource("gcp:projects/iAMMember:IAMMember", "project-invoker", null, { project: "demo", role: "roles/run.invoker", member: "user:mallory@example.com" }),
        resource("gcp:secretmanager/secretIamMember:SecretIamMember", "db-reader", null, { secretId: "projects/demo/secrets/db-password", role: "roles/secretmanager.secretAccessor", member: "serviceAccount:hello-run@demo.iam.gserviceaccount.com" }),
        resource("gcp:serviceaccount/iAMMember:IAMMember", "impersonate", null, { serviceAccountId: "projects/demo/serviceAccounts/hello-run@demo.iam.gserviceaccount.com", role: "roles/iam.serviceAccountTokenCreator", member: "user:mallory@example.com" }),
        resource("gcp:storage/bucketIAMMember:BucketIAMMember", "bucket-reader", null, { bucket: "demo-data", role: "roles/storage.objectViewer", member: "group:eng@example.com" }),
        // Key case the provider's JSON decoder accepts: a check of `bindings` alone would miss it.
        resource("gcp:cloudrunv2/jobIamPolicy:JobIamPolicy", "job-policy", null, { name: "nightly", policyData: JSON.stringify({ BINDINGS: [{ Role: "roles/run.jobsExecutor", Members: ["user:eve@example.com"] }] }) }),
        resource("gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", "elsewhere", null, { name: "projects/other/locations/r/services/billing", role: "roles/run.invoker", members: ["user:eve@example.com"] }),
      ),
    );
    expect(reach(view)).toEqual({
      "group:eng@example.com": ["service hello roles/run.invoker", "resource storage.Bucket demo-data roles/storage.objectViewer"],
      "serviceAccount:hello-run@demo.iam.gserviceaccount.com": ["job nightly roles/run.invoker", "secret db-password roles/secretmanager.secretAccessor"],
      "user:alice@example.com": ["service hello roles/run.invoker"],
      "user:eve@example.com": ["service billing roles/run.invoker", "job nightly roles/run.jobsExecutor"],
      "user:mallory@example.com": [
        "service hello roles/run.invoker",
        "service-account hello-run@demo.iam.gserviceaccount.com roles/iam.serviceAccountTokenCreator",
        "project demo roles/run.invoker",
      ],
    });
    const mallory = view.principals.find((p) => p.principal === "user:mallory@example.com")!;
    expect(mallory.grants.every((g) => !g.byComponents)).toBe(true);
    const text = renderAccess(view).join("\n");
    expect(text).toMatch(/user:mallory@example\.com\n {4}service hello +roles\/run\.invoker +via extra-caller \(additive, outside the components\)/);
    expect(text).toContain("project demo");
  });

  it("a binding that spells role twice shows the role the provider keeps: the last one (Go's JSON decoder, as the pack reads it)", () => {
    const policyData = JSON.stringify({ bindings: [{ role: "roles/secretmanager.viewer", ROLE: "roles/secretmanager.secretAccessor", members: ["user:mallory@example.com"] }] });
    const view = accessView(withExtras(resource("gcp:secretmanager/secretIamPolicy:SecretIamPolicy", "db-policy", null, { secretId: "db-password", policyData })));
    expect(reach(view)["user:mallory@example.com"]).toEqual(["secret db-password roles/secretmanager.secretAccessor"]);
  });

  it("a member or policy the plan cannot read is shown, never dropped", () => {
    const view = accessView(
      withExtras(
        resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "computed", null, { name: "hello", role: "roles/run.invoker", member: undefined }),
        resource("gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", "garbled", null, { name: "hello", policyData: "{not json" }),
      ),
    );
    expect(reach(view)[COMPUTED_MEMBER]).toEqual(["service hello roles/run.invoker"]);
    expect(reach(view)["(unreadable policyData)"]).toEqual(["service hello (unknown)"]);
  });
});

describe("diffAccess", () => {
  it("lists who gains and who loses what; the same grant through another resource is no change", () => {
    const before = fixtureEvaluation({ withJob: true });
    const after = withExtras(
      resource("gcp:secretmanager/secretIamMember:SecretIamMember", "db-reader", null, { secretId: "db-password", role: "roles/secretmanager.secretAccessor", member: "serviceAccount:hello-run@demo.iam.gserviceaccount.com" }),
      // alice already reaches hello through the binding: a second resource changes nothing.
      resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "alice-again", null, { name: "hello", role: "roles/run.invoker", member: "user:alice@example.com" }),
    );
    after.resources = after.resources.map((r) => (r.name === "hello-invokers" ? { ...r, inputs: { ...r.inputs, members: ["user:alice@example.com"] } } : r));
    const diff = diffAccess(before, after);
    expect(diff.changes).toEqual([
      { principal: "group:eng@example.com", gained: [], lost: [{ target: { kind: "service", name: "hello" }, role: "roles/run.invoker" }] },
      {
        principal: "serviceAccount:hello-run@demo.iam.gserviceaccount.com",
        note: "runtime account of service hello",
        gained: [{ target: { kind: "secret", name: "db-password" }, role: "roles/secretmanager.secretAccessor" }],
        lost: [],
      },
    ]);
    expect(renderAccessDiff(diff)).toEqual([
      "Access dev → dev: who gains (+) or loses (-) what",
      "  group:eng@example.com",
      "    - service hello       roles/run.invoker",
      "  serviceAccount:hello-run@demo.iam.gserviceaccount.com  (runtime account of service hello)",
      "    + secret db-password  roles/secretmanager.secretAccessor",
    ]);
    expect(renderAccessDiff(diffAccess(before, before))).toEqual(["Access dev → dev: who gains (+) or loses (-) what", "  (no change in who can reach what)"]);
  });

  it("a role change is one loss and one gain", () => {
    const before = fixtureEvaluation();
    const after = fixtureEvaluation();
    after.resources = after.resources.map((r) => (r.name === "hello-invokers" ? { ...r, inputs: { ...r.inputs, role: "roles/run.developer" } } : r));
    const alice = diffAccess(before, after).changes.find((c) => c.principal === "user:alice@example.com")!;
    expect(alice.gained.map((i) => i.role)).toEqual(["roles/run.developer"]);
    expect(alice.lost.map((i) => i.role)).toEqual(["roles/run.invoker"]);
  });
});

describe("--access in the CLI", () => {
  it("is a view of its own: no rehearsal, not with --graph", () => {
    expect(parsePlanArgs(["--access"])).toMatchObject({ access: true, rehearsal: false });
    expect(parsePlanArgs([])).toMatchObject({ access: false });
    expect(() => parsePlanArgs(["--access", "--graph", "mermaid"])).toThrow(/--access and --graph both given/);
  });

  // index.ts, then grants a teammate (or a pull request) adds beside the components.
  const beside = async (real: Program) => {
    const outputs = await real();
    new projects.IAMMember("project-invoker", { project: "my-gcp-project", role: "roles/run.invoker", member: "user:mallory@example.com" });
    new cloudrunv2.ServiceIamMember("extra-caller", { name: "hello", location: "asia-east1", role: "roles/run.invoker", member: "user:mallory@example.com" });
    new secretmanager.SecretIamMember("db-reader", { secretId: "db-password", role: "roles/secretmanager.secretAccessor", member: "user:mallory@example.com" });
    new serviceaccount.IAMMember("impersonate-hello", { serviceAccountId: "projects/my-gcp-project/serviceAccounts/hello-svc@my-gcp-project.iam.gserviceaccount.com", role: "roles/iam.serviceAccountTokenCreator", member: "user:mallory@example.com" });
    return outputs;
  };
  let plain: Evaluation;
  let extended: Evaluation;

  beforeAll(async () => {
    const { config } = loadStackConfig("dev");
    plain = await evaluateStack({ stack: "dev", config });
    extended = await evaluateStack({ stack: "dev", config, program: beside });
  });

  async function plan(argv: string[], evaluations: Evaluation[]) {
    const out: string[] = [];
    const queue = [...evaluations];
    const deps: PlanDeps = {
      loadStackConfig: (target) => ({ stack: target, config: {} }),
      evaluateStack: async () => queue.shift()!,
      evaluatePolicies: (resources, options) => evaluatePolicies(resources, options),
      rehearse: async () => {
        throw new Error("no rehearsal with --access");
      },
    };
    const code = await runPlan(argv, deps, { stdout: (text) => out.push(text), stderr: (text) => out.push(text) });
    return { code, output: out.join("") };
  }

  it("the real program: every grant beside the components shows, in text and in --json", async () => {
    const { code, output } = await plan(["--access"], [extended]);
    expect(code).toBe(1); // the policy pack refuses these grants; the access view still lists them
    const mallory = output.slice(output.indexOf("  user:mallory@example.com"));
    expect(mallory).toMatch(/^ {2}user:mallory@example\.com\n {4}service hello .*via extra-caller \(additive, outside the components\)/);
    expect(mallory).toMatch(/secret db-password +roles\/secretmanager\.secretAccessor/);
    expect(mallory).toMatch(/service-account hello-svc@my-gcp-project\.iam\.gserviceaccount\.com +roles\/iam\.serviceAccountTokenCreator/);
    expect(mallory).toMatch(/project my-gcp-project +roles\/run\.invoker/);
    expect(output).toMatch(/group:eng@example\.com\n {4}service hello +roles\/run\.invoker +via hello-invokers-binding \(authoritative\)/);

    const json = JSON.parse((await plan(["--access", "--json"], [extended])).output) as { access: { principal: string; grants: { byComponents: boolean }[] }[] };
    const fromJson = json.access.find((p) => p.principal === "user:mallory@example.com")!;
    expect(fromJson.grants).toHaveLength(4);
    expect(fromJson.grants.every((g) => g.byComponents === false)).toBe(true);
  });

  it("--access --diff: a reviewer sees who gains what", async () => {
    const { output } = await plan(["--access", "--diff", "pr"], [plain, extended]);
    expect(output).toContain("Access dev → dev: who gains (+) or loses (-) what\n  user:mallory@example.com\n    + service hello ");
    expect(output).not.toMatch(/^ {4}- /m);
    const json = JSON.parse((await plan(["--access", "--json", "--diff", "pr"], [plain, extended])).output) as { accessDiff: { changes: { principal: string; gained: unknown[] }[] } };
    expect(json.accessDiff.changes.map((change) => change.principal)).toEqual(["user:mallory@example.com"]);
    expect(json.accessDiff.changes[0].gained).toHaveLength(4);
  });

  it("secrets: each runtime account reaches the secrets its workload reads, a shared secret once per account", async () => {
    const { code, stdout } = await planInProcess(["--access", "--config", "test/fixtures/Pulumi.every-key.yaml"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /serviceAccount:api-svc@my-gcp-project\.iam\.gserviceaccount\.com {2}\(runtime account of service api\)\n {4}job nightly +roles\/run\.invoker +via nightly-invokers-binding .*\n {4}secret api-token +roles\/secretmanager\.secretAccessor .*\n {4}secret db-password +roles\/secretmanager\.secretAccessor /,
    );
    expect(stdout).toMatch(/serviceAccount:nightly-job@my-gcp-project\.iam\.gserviceaccount\.com {2}\(runtime account of job nightly\)\n {4}secret db-password +roles\/secretmanager\.secretAccessor +via nightly-reads-db-password-\w+ \(additive\)\n/);
  });

  it("the scheduler: its dedicated account reaches its job (and nothing else), and is named as such", async () => {
    const { stdout } = await planInProcess(["--access", "--config", "test/fixtures/Pulumi.every-key.yaml"]);
    expect(stdout).toMatch(/\n {2}serviceAccount:nightly-sched@my-gcp-project\.iam\.gserviceaccount\.com {2}\(Cloud Scheduler's account for job nightly\)\n {4}job nightly +roles\/run\.invoker +via nightly-invokers-binding \(authoritative\)\n {2}\S/);
  });
});
