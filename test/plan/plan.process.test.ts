/**
 * `npm start` as a user runs it: a real child process (`npx tsx plan/plan.ts …`) on the
 * real program and the repository's stack files. Exit 1 needs a mandatory violation,
 * which no valid config can produce (the config rejects public members first), so it
 * is covered with injected policies in run.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT, runCli, startCli } from "./cliProcess";

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
describe("npm start (child process)", () => {
  it("plans the dev stack: workloads, tree, verdicts; exit 0", async () => {
    const result = await runCli(["--no-rehearsal"]);
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
    const result = await runCli(["--json", "--stack", "prod"]);
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
    const human = await runCli(["--config", file, "--no-rehearsal"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Policies: passed: 0 mandatory violations, 2 advisory");
    expect(human.stdout).toMatch(/\[advisory\] deletion-protection-on-production on hello-service \(gcp:cloudrunv2\/service:Service\): deletionProtection: false/);
    const json = await runCli(["--config", file, "--json"]);
    expect(json.code).toBe(0);
    const { violations } = JSON.parse(json.stdout);
    expect(violations.map((v: { resource: string }) => v.resource)).toEqual(["hello-service", "nightly-job"]);
    for (const violation of violations) expect(Object.keys(violation)).toEqual(["policy", "resource", "message"]);
  });

  it("invalid config: exit 2, every problem on stderr, nothing on stdout", async () => {
    const file = stackFile("broken", (config) => {
      const services = config["private-cloud-run:services"] as Record<string, unknown>[];
      services[0].ingress = "everywhere";
      services[0].invokers = ["allUsers", "team"];
    });
    for (const args of [["--config", file], ["--config", file, "--json"]]) {
      const result = await runCli(args);
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
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line \\d+, column \\d+: invalid YAML: .*; fix the syntax`));
    }
  });

  it("--diff lists principals and resource changes between two configs", async () => {
    const file = stackFile("review", (config) => {
      (config["private-cloud-run:principals"] as Record<string, string[]>).team.push("user:bob@example.com");
    });
    const result = await runCli(["--diff", file]);
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
    const result = await runCli(["--graph", "mermaid"]);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith("flowchart LR\n")).toBe(true);
    expect(result.stdout).toMatch(/p_\w+\(\["user:alice@example\.com"\]\)/);
    expect(result.stdout).toMatch(/-->\|"roles\/run\.invoker"\|/);
    expect(result.stderr).toContain("Policies: passed");
  });

  it("bad arguments: exit 2 with usage on stderr, nothing on stdout", async () => {
    const result = await runCli(["--graph", "dot"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('--graph "dot" is not supported: use --graph mermaid');
  });
});

/** `npm start` with the rehearsal, in its own process group so leftovers can be found. */
describe("npm start with the local rehearsal (child process)", () => {
  /**
   * Live (not zombie) processes of the group: the CLI and whatever it started. Read from
   * /proc, since kill(-pgid, 0) also counts zombies the container's init has not reaped yet.
   */
  function groupMembers(pgid: number): string[] {
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          // "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its ")".
          const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          return Number(group) === pgid && state !== "Z" ? [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`] : [];
        } catch {
          return []; // the process ended while we looked
        }
      });
  }

  it("prints the plan then the rehearsal table (403, 403, 200, 200), exit 0, and leaves no process behind", async () => {
    const run = startCli([]);
    const result = await run.done;
    expect(result.code).toBe(0);
    const table = result.stdout.slice(result.stdout.indexOf("Rehearsal: service hello"));
    expect(result.stdout.indexOf("Policies: passed")).toBeLessThan(result.stdout.indexOf("Rehearsal: service hello"));
    expect(table).toMatch(/anonymous +— +\(no token\) +403 +403 +ok/);
    expect(table).toMatch(/outsider +rehearsal-outsider@my-gcp-project\.iam\.gserviceaccount\.com +Authorization +403 +403 +ok/);
    expect(table).toMatch(/invoker +pulumi-deploy@my-gcp-project\.iam\.gserviceaccount\.com +Authorization +200 +200 +ok/);
    expect(table).toMatch(/invoker +pulumi-deploy@my-gcp-project\.iam\.gserviceaccount\.com +X-Serverless-Authorization, app token in Authorization +200 +200 +ok/);
    expect(table).toContain("Rehearsal: 4/4 checks passed");
    expect(result.stdout + result.stderr).not.toMatch(/eyJ[\w-]+\.|ya29\./);
    expect(groupMembers(run.pid)).toEqual([]);
  });

  it.each([
    ["Ctrl-C in a terminal (SIGINT to the whole process group, the app included)", true],
    ["SIGINT to the CLI alone (the app never sees it: the CLI must stop it)", false],
  ])("%s stops the app and the emulator, exit 130", async (_name, wholeGroup) => {
    const run = startCli([], "npm start");
    // Interrupt once the app is up: its port is printed on stderr, the checks not yet run.
    await run.waitForStderr(/app listening on http:\/\/127\.0\.0\.1:\d+/);
    process.kill(wholeGroup ? -run.pid : run.pid, "SIGINT");
    const result = await run.done;
    expect(result.stderr).toContain("SIGINT: stopping the rehearsal's app and emulator");
    expect(result.stdout).not.toContain("Rehearsal: 4/4");
    expect(result.code).toBe(130);
    expect(groupMembers(run.pid)).toEqual([]);
  });
});
