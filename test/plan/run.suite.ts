import { EXIT, runPlan, type PlanDeps, type RehearsalOutcome } from "../../plan/run";
import type { Violation } from "../../plan/policyTypes";
import { ConfigError, type Evaluation, type StackConfig } from "../../contract";
import { fixtureEvaluation } from "./fixtures";

/** Fake collaborators: stacks by name, policies by stack, a rehearsal that records its calls. */
function harness(options: { violations?: Record<string, Violation[]>; rehearsal?: RehearsalOutcome; invalid?: string[] } = {}) {
  const stacks: Record<string, Evaluation> = {
    dev: fixtureEvaluation({ password: "ya29.secret-in-evaluation" }),
    prod: fixtureEvaluation({ stack: "prod", invokers: ["user:bob@example.com"] }),
  };
  const rehearsed: string[] = [];
  const deps: PlanDeps = {
    loadStackConfig: (target) => {
      if (!(target in stacks) && !options.invalid?.includes(target)) throw new Error(`no Pulumi.${target}.yaml`);
      return { stack: target, config: { "gcp:project": target } as StackConfig };
    },
    evaluateStack: async ({ stack }) => {
      if (options.invalid?.includes(stack)) {
        throw new ConfigError([
          { path: "services[0].invokers[2]", value: "allUsers", message: "would make the service public; this stack never grants public access" },
          { path: "gcp:region", value: "", message: "is required: set gcp:region" },
        ]);
      }
      return stacks[stack];
    },
    evaluatePolicies: (_resources, { stack }) => options.violations?.[stack] ?? [],
    rehearse: async (evaluation) => {
      rehearsed.push(evaluation.stack);
      return options.rehearsal ?? { ok: true, lines: ["Rehearsal: 4/4 checks passed"] };
    },
  };
  const out: string[] = [];
  const err: string[] = [];
  const run = (argv: string[]) => runPlan(argv, deps, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { run, rehearsed, stdout: () => out.join(""), stderr: () => err.join("") };
}

const mandatory: Violation = { policy: "no-public-cloud-run", resource: "hello-invokers", type: "t", message: "allUsers is public", enforcementLevel: "mandatory" };
const advisory: Violation = { policy: "deletion-protection-in-production", resource: "hello-service", type: "t", message: "off", enforcementLevel: "advisory" };

describe("runPlan", () => {
  it("prints workloads, tree and verdicts, then rehearses, and exits 0", async () => {
    const h = harness();
    expect(await h.run([])).toBe(EXIT.clean);
    const out = h.stdout();
    expect(out).toContain('Plan for stack "dev"');
    expect(out).toMatch(/service hello\n\s+region\s+asia-east1\n\s+ingress\s+INGRESS_TRAFFIC_ALL\n\s+runtime SA\s+hello-run@demo/);
    expect(out).toContain("deletion protection off");
    expect(out).toContain("      - user:alice@example.com");
    expect(out.indexOf("Workloads")).toBeLessThan(out.indexOf("Resources:"));
    expect(out.indexOf("Resources:")).toBeLessThan(out.indexOf("Policies: passed"));
    expect(out.indexOf("Policies: passed")).toBeLessThan(out.indexOf("Rehearsal: 4/4"));
    expect(out).not.toContain("ya29.secret-in-evaluation");
    expect(h.rehearsed).toEqual(["dev"]);
  });

  it("--no-rehearsal skips the rehearsal", async () => {
    const h = harness();
    expect(await h.run(["--no-rehearsal", "--stack", "prod"])).toBe(EXIT.clean);
    expect(h.rehearsed).toEqual([]);
    expect(h.stdout()).toContain('Plan for stack "prod"');
  });

  it("exits 1 on a mandatory violation, 0 on advisories only", async () => {
    const failing = harness({ violations: { dev: [advisory, mandatory] } });
    expect(await failing.run(["--no-rehearsal"])).toBe(EXIT.mandatoryPolicy);
    expect(failing.stdout()).toMatch(/Policies: FAILED: 1 mandatory violation\(s\), 1 advisory\n {2}\[mandatory\] no-public-cloud-run on hello-invokers/);
    expect(await harness({ violations: { dev: [advisory] } }).run(["--no-rehearsal"])).toBe(EXIT.clean);
  });

  it("exits 3 when a rehearsal check fails, 1 when policy failed as well", async () => {
    const rehearsal = { ok: false, lines: ["anonymous → 200 (expected 403)"] };
    expect(await harness({ rehearsal }).run([])).toBe(EXIT.rehearsalFailed);
    expect(await harness({ rehearsal, violations: { dev: [mandatory] } }).run([])).toBe(EXIT.mandatoryPolicy);
  });

  it("invalid config: exit 2, every problem on stderr, nothing on stdout", async () => {
    for (const argv of [["--stack", "broken"], ["--json", "--stack", "broken"], ["--diff", "broken"], ["--graph", "mermaid", "-s", "broken"]]) {
      const h = harness({ invalid: ["broken"] });
      expect(await h.run(argv)).toBe(EXIT.invalidConfig);
      expect(h.stdout()).toBe("");
      expect(h.stderr()).toContain('services[0].invokers[2]: "allUsers" would make the service public');
      expect(h.stderr()).toContain('gcp:region: "" is required: set gcp:region');
      expect(h.rehearsed).toEqual([]);
    }
  });

  it("an unknown stack or bad arguments are exit 2 with nothing on stdout", async () => {
    const missing = harness();
    expect(await missing.run(["--stack", "nope"])).toBe(EXIT.invalidConfig);
    expect(missing.stderr()).toContain("\n  no Pulumi.nope.yaml");
    expect(missing.stdout()).toBe("");
    const usage = harness();
    expect(await usage.run(["--graph", "dot"])).toBe(EXIT.invalidConfig);
    expect(usage.stderr()).toContain("use --graph mermaid");
    expect(usage.stdout()).toBe("");
  });

  /** Runs the plan with an engine that throws `message`; returns the exit code and stderr. */
  async function planWithCrashingEngine(message: string): Promise<{ code: number; stderr: string }> {
    const errors: string[] = [];
    const deps: PlanDeps = {
      loadStackConfig: () => ({ stack: "dev", config: {} }),
      evaluateStack: async () => {
        throw new Error(message);
      },
      evaluatePolicies: () => [],
      rehearse: async () => ({ ok: true, lines: [] }),
    };
    const code = await runPlan([], deps, { stdout: () => undefined, stderr: (text) => errors.push(text) });
    return { code, stderr: errors.join("") };
  }

  it("an unexpected failure is exit 4 with the reason on stderr", async () => {
    const { code, stderr } = await planWithCrashingEngine("mock engine crashed");
    expect(code).toBe(EXIT.unexpected);
    expect(stderr).toContain("mock engine crashed");
  });

  it("redacts token-shaped text from an unexpected error", async () => {
    const { code, stderr } = await planWithCrashingEngine("registry login failed with password ya29.a0AfH6SMBxyz and Bearer eyJhbGciOi.eyJzdWIi.c2ln");
    expect(code).toBe(EXIT.unexpected);
    expect(stderr).toContain("registry login failed");
    expect(stderr).not.toMatch(/ya29\.a0|eyJhbGciOi/);
  });

  it("--json prints exactly one JSON document and nothing else", async () => {
    const h = harness({ violations: { dev: [mandatory] } });
    expect(await h.run(["--json"])).toBe(EXIT.mandatoryPolicy);
    const document = JSON.parse(h.stdout());
    expect(Object.keys(document)).toEqual(["stack", "resources", "violations"]);
    expect(document.violations).toEqual([{ policy: mandatory.policy, resource: mandatory.resource, message: mandatory.message, enforcementLevel: "mandatory" }]);
    expect(h.stdout()).not.toContain("ya29.secret-in-evaluation");
    expect(h.rehearsed).toEqual([]);
  });

  it("--json --diff adds the diff to the document", async () => {
    const h = harness();
    expect(await h.run(["--json", "--diff", "prod"])).toBe(EXIT.clean);
    const document = JSON.parse(h.stdout());
    expect(document.diff.principals).toEqual([
      { kind: "service", workload: "hello", status: "changed", added: ["user:bob@example.com"], removed: ["group:eng@example.com", "user:alice@example.com"] },
    ]);
  });

  it("--diff prints the reviewer's view and fails if either side breaks a mandatory policy", async () => {
    const h = harness({ violations: { prod: [mandatory] } });
    expect(await h.run(["--diff", "prod"])).toBe(EXIT.mandatoryPolicy);
    expect(h.stdout()).toContain("Diff dev → prod");
    expect(h.stdout()).toContain("[prod] Policies: FAILED");
    expect(h.rehearsed).toEqual([]);
  });

  it("--graph mermaid keeps stdout a diagram and puts verdicts on stderr", async () => {
    const h = harness();
    expect(await h.run(["--graph", "mermaid"])).toBe(EXIT.clean);
    expect(h.stdout().startsWith("flowchart LR\n")).toBe(true);
    expect(h.stdout()).not.toContain("Policies");
    expect(h.stderr()).toContain("Policies: passed");
  });

  it("--help prints usage and exits 0", async () => {
    const h = harness();
    expect(await h.run(["--help"])).toBe(EXIT.clean);
    expect(h.stdout()).toContain("Exit codes: 0 clean; 1 a mandatory policy failed; 2 invalid config");
  });
});
