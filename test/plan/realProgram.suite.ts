/**
 * `npm start` on the real program, the real policy rules and the repository's stack
 * files, run in-process (the same runPlan and collaborators as plan/plan.ts). Exit 1
 * needs a mandatory violation, which no valid config can produce (the config rejects
 * public members first), so it is covered with injected policies in run.suite.ts.
 * The process itself (exit codes reaching the shell, Ctrl-C, no leftovers) is
 * plan.process.suite.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { planInProcess } from "../support/planInProcess";
import { REPO_ROOT } from "./cliProcess";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-cli-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the dev stack's config with `change` applied, written as Pulumi.<stack>.yaml. */
function stackFile(stack: string, change: (config: Record<string, unknown>) => void): string {
  const document = parse(readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  change(document.config);
  const file = join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

/** Relative `source: ./app` paths are read from the repository, whatever the file's folder. */
describe("npm start on the real program and stack files (in-process)", () => {
  it("plans the dev stack: workloads, tree, verdicts; exit 0", async () => {
    const result = await planInProcess(["--no-rehearsal"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan for stack "dev"');
    expect(result.stdout).toMatch(/ {2}service hello\n {4}region\s+asia-east1\n {4}ingress\s+INGRESS_TRAFFIC_ALL/);
    expect(result.stdout).toMatch(/deletion protection\s+off/);
    expect(result.stdout).toContain("      - user:alice@example.com");
    expect(result.stdout).toMatch(/hello-service {2}\(gcp:cloudrunv2\/service:Service\)/);
    expect(result.stdout).toContain("Policies: passed: 0 mandatory violations");
    expect(result.stdout).not.toContain("Rehearsal");
  });

  it("--json prints exactly one JSON document with secrets masked; exit 0", async () => {
    const result = await planInProcess(["--json", "--stack", "prod"]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout); // throws unless stdout is one document
    expect(Object.keys(document)).toEqual(["stack", "resources", "violations"]);
    expect(document.stack).toBe("prod");
    const types = document.resources.map((r: { type: string }) => r.type);
    expect(types).toEqual(expect.arrayContaining(["gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding"]));
    for (const entry of document.resources) expect(Object.keys(entry)).toEqual(["type", "name", "parent", "inputs"]);
    const image = document.resources.find((r: { type: string }) => r.type === "docker-build:index:Image");
    expect(image.inputs.registries).toBe("[secret]");
    expect(document.violations).toEqual([]);
  });

  it("advisories from the real policy rules are printed but do not fail: exit 0", async () => {
    const file = stackFile("production", (config) => {
      config["private-cloud-run:deletionProtection"] = false;
    });
    const human = await planInProcess(["--config", file, "--no-rehearsal"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Policies: passed: 0 mandatory violations, 3 advisory");
    expect(human.stdout).toMatch(/\[advisory\] deletion-protection-on-production on hello-service \(gcp:cloudrunv2\/service:Service\): deletionProtection: false/);
    const json = await planInProcess(["--config", file, "--json"]);
    expect(json.code).toBe(0);
    const { violations } = JSON.parse(json.stdout);
    expect(violations.map((v: { resource: string }) => v.resource)).toEqual(["api-service", "hello-service", "nightly-job"]);
    for (const violation of violations) expect(Object.keys(violation)).toEqual(["policy", "resource", "message", "enforcementLevel"]);
    expect(violations.map((v: { enforcementLevel: string }) => v.enforcementLevel)).toEqual(["advisory", "advisory", "advisory"]);
  });

  it("invalid config: exit 2, every problem on stderr, nothing on stdout", async () => {
    const file = stackFile("broken", (config) => {
      const services = config["private-cloud-run:services"] as Record<string, unknown>[];
      services[0].ingress = "everywhere";
      services[0].invokers = ["allUsers", "team"];
    });
    for (const args of [["--config", file], ["--config", file, "--json"]]) {
      const result = await planInProcess(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain('services[0].ingress: "everywhere"');
      expect(result.stderr).toContain('services[0].invokers[0]: "allUsers" would make');
    }
  });

  it("a stack file with a YAML syntax error, as --config or --diff: exit 2, the file, line and fix on stderr, nothing on stdout", async () => {
    const file = join(dir, "Pulumi.typo.yaml");
    writeFileSync(file, "config:\n  gcp:project: my-gcp-project\n  gcp:region: [asia-east1\n");
    for (const args of [["--config", file, "--no-rehearsal"], ["--diff", file, "--json"]]) {
      const result = await planInProcess(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line \\d+, column \\d+: invalid YAML: .*; fix the syntax`));
    }
  });

  it("--diff lists principals and resource changes between two configs", async () => {
    const file = stackFile("review", (config) => {
      (config["private-cloud-run:principals"] as Record<string, string[]>).team.push("user:bob@example.com");
    });
    const result = await planInProcess(["--diff", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Diff dev → review");
    expect(result.stdout).toMatch(/service hello:\n {4}\+ user:bob@example\.com\n/);
    expect(result.stdout).toMatch(/job nightly:\n {4}\+ user:bob@example\.com\n/);
    expect(result.stdout).toContain("Resources: 0 added, 0 removed,");
    expect(result.stdout).toMatch(/~ hello-invokers-binding {2}\(gcp:cloudrunv2\/serviceIamBinding:ServiceIamBinding\)\n {6}members: \+ user:bob@example\.com\n/);
    expect(result.stdout).toMatch(/~ nightly-invokers-binding {2}\(gcp:cloudrunv2\/jobIamBinding:JobIamBinding\)\n {6}members: \+ user:bob@example\.com\n/);
    // The registry login token is minted per stack (a secret): it may differ, but is never shown.
    expect(result.stdout).not.toContain("ya29.");
    expect(result.stdout).not.toContain("hello-service");
  });

  it("--graph mermaid prints only the diagram on stdout", async () => {
    const result = await planInProcess(["--graph", "mermaid"]);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith("flowchart LR\n")).toBe(true);
    expect(result.stdout).toMatch(/p_\w+\(\["user:alice@example\.com"\]\)/);
    expect(result.stdout).toMatch(/-->\|"roles\/run\.invoker"\|/);
    expect(result.stderr).toContain("Policies: passed");
  });

  it("bad arguments: exit 2 with usage on stderr, nothing on stdout", async () => {
    const result = await planInProcess(["--graph", "dot"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('--graph "dot" is not supported: use --graph mermaid');
  });
});
