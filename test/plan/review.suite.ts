/**
 * The pull-request review (plan/review.ts), run in-process: which plans it runs in which
 * order, what reaches the job summary and the log, and which exit code fails the job.
 * The last test runs the real plan on the repository's dev stack.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { AccessTarget, PrincipalAccess } from "../../plan/access";
import { parseReviewArgs, reviewDeps, reviewStacks, type PlanRun, type ReviewDeps } from "../../plan/review";
import { baseAccess, COMMENT_LIMIT, fence, type AccessResult } from "../../plan/reviewAccess";
import { UsageError } from "../../runner/cli";

const REPO_ROOT = join(__dirname, "..", "..");

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), "plan-review-"));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

/** One principal's grants, as a `--json --access` document lists them. */
function principal(name: string, ...targets: string[]): PrincipalAccess {
  return {
    principal: name,
    grants: targets.map((target) => {
      const [kind, targetName] = target.split(" ");
      return { target: { kind, name: targetName } as AccessTarget, role: "roles/run.invoker", mode: "authoritative", via: { name: "b", type: "t" }, byComponents: true };
    }),
  };
}

/** Fake collaborators: base files by name, head plan exit codes by stack, access views by side, every call logged. */
function fakes(
  options: {
    base?: Record<string, string>;
    exits?: Record<string, number>;
    diffExit?: number;
    headAccess?: PrincipalAccess[];
    baseAccess?: AccessResult;
  } = {},
) {
  const calls: string[] = [];
  const deps: ReviewDeps = {
    baseAccess: async (stack) => {
      calls.push(`baseAccess ${stack}`);
      return options.baseAccess ?? { view: { stack, principals: [] } };
    },
    headHas: (file) => ["Pulumi.dev.yaml", "Pulumi.prod.yaml"].includes(file),
    readBase: async (file) => {
      calls.push(`readBase ${file}`);
      return options.base?.[file];
    },
    plan: async (argv): Promise<PlanRun> => {
      calls.push(`plan ${argv.join(" ")}`);
      const output = `plan output for: ${argv.join(" ")}\n`;
      if (argv.includes("--access")) return { code: 0, output: JSON.stringify({ stack: "x", resources: [], violations: [], access: options.headAccess ?? [] }) };
      if (argv.includes("--diff")) return { code: options.diffExit ?? 0, output };
      return { code: options.exits?.[argv[argv.indexOf("--stack") + 1]] ?? 0, output };
    },
  };
  return { deps, calls };
}

const review = (deps: ReviewDeps) => reviewStacks({ baseRef: "main", stacks: ["dev", "prod"], workDir }, deps);

describe("plan/review.ts", () => {
  it("diffs base → head for each stack that exists on the base branch, then plans the head", async () => {
    const { deps, calls } = fakes({ base: { "Pulumi.dev.yaml": "config: {base: true}\n", "Pulumi.prod.yaml": "config: {base: true}\n" } });
    const result = await review(deps);
    expect(result.code).toBe(0);
    // before = base (--config), after = head (--diff): the diff reads in the PR's direction; the
    // base file keeps the name Pulumi.<stack>.yaml, since the loader takes the stack name from it.
    const base = (stack: string) => join(workDir, `Pulumi.${stack}.yaml`);
    expect(calls).toEqual([
      "plan --stack dev --json --access",
      "readBase Pulumi.dev.yaml",
      "baseAccess dev",
      "readBase Pulumi.dev.yaml",
      `plan --config ${base("dev")} --diff Pulumi.dev.yaml`,
      "plan --stack dev",
      "plan --stack prod --json --access",
      "readBase Pulumi.prod.yaml",
      "baseAccess prod",
      "readBase Pulumi.prod.yaml",
      `plan --config ${base("prod")} --diff Pulumi.prod.yaml`,
      "plan --stack prod",
    ]);
    expect(readFileSync(base("dev"), "utf8")).toBe("config: {base: true}\n");
    expect(result.summary).toContain("### Offline plan: `dev` (`main` → this PR)");
    expect(result.summary).toContain(`\`\`\`text\nplan output for: --config ${base("prod")} --diff Pulumi.prod.yaml\n\`\`\`\n`);
    expect(result.summary).toContain("<details><summary>Full plan of prod (exit 0)</summary>\n\n```text\nplan output for: --stack prod\n```\n</details>\n");
    expect(result.log).toBe("");
  });

  it("says 'new stack' when the base branch has no such file, and still plans the head", async () => {
    const { deps, calls } = fakes({ base: { "Pulumi.dev.yaml": "config: {}\n" } });
    const result = await review(deps);
    expect(result.code).toBe(0);
    expect(result.summary).toContain("New stack: no Pulumi.prod.yaml on main.");
    expect(calls.filter((line) => line.includes("--diff Pulumi.prod.yaml"))).toEqual([]);
    expect(calls).toContain("plan --stack prod");
  });

  it("skips a stack the head has no file for", async () => {
    const { deps, calls } = fakes();
    const result = await reviewStacks({ baseRef: "main", stacks: ["dev", "staging"], workDir }, deps);
    expect(calls.some((line) => line.includes("staging"))).toBe(false);
    expect(result.summary).not.toContain("staging");
  });

  it.each([
    ["a mandatory policy fails", 1],
    ["the config is invalid", 2],
  ])("fails with the head plan's exit code when %s, after planning every stack", async (_why, code) => {
    const { deps } = fakes({ exits: { dev: code } });
    const result = await review(deps);
    expect(result.code).toBe(code);
    expect(result.summary).toContain(`Full plan of dev (exit ${code})`);
    expect(result.summary).toContain("Full plan of prod (exit 0)");
    // The failing plan is also printed in the log, not only in the summary.
    expect(result.log).toContain("plan output for: --stack dev");
  });

  it("does not fail on the informational diff alone (e.g. an invalid base config)", async () => {
    const { deps } = fakes({ base: { "Pulumi.dev.yaml": "config: {}\n" }, diffExit: 2 });
    expect((await review(deps)).code).toBe(0);
  });

  it("takes the base ref, the stacks and the summary file, and refuses what is missing", () => {
    expect(parseReviewArgs(["--base-ref", "release/1.x", "--stack", "dev", "--stack", "prod", "--summary", "s.md"])).toEqual({
      baseRef: "release/1.x",
      stacks: ["dev", "prod"],
      summaryFile: "s.md",
    });
    expect(parseReviewArgs(["--base-ref", "main", "--base-dir", "/tmp/base", "--stack", "dev", "--summary", "s.md", "--comment", "c.md"])).toEqual({
      baseRef: "main",
      baseDir: "/tmp/base",
      stacks: ["dev"],
      summaryFile: "s.md",
      commentFile: "c.md",
    });
    expect(() => parseReviewArgs(["--stack", "dev", "--summary", "s.md"])).toThrow(UsageError);
    expect(() => parseReviewArgs(["--base-ref", "main", "--summary", "s.md"])).toThrow(/no --stack given/);
    expect(() => parseReviewArgs(["--base-ref", "main", "--stack", "dev"])).toThrow(/--summary FILE is required/);
    expect(() => parseReviewArgs(["main"])).toThrow(/put the options after a lone --/);
  });

  it("runs the real plan in-process: the base → head diff of the dev stack and the head's verdicts", async () => {
    const dev = parse(readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const team = (dev.config["private-cloud-run:principals"] as Record<string, string[]>).team;
    // The base branch did not have the last member of `team` yet.
    (dev.config["private-cloud-run:principals"] as Record<string, string[]>).team = team.slice(0, -1);
    const real = reviewDeps("main");
    const deps: ReviewDeps = { ...real, headHas: () => true, readBase: async () => stringify(dev), plan: (argv) => real.plan(argv.map((a) => (a === "Pulumi.dev.yaml" ? join(REPO_ROOT, a) : a))) };
    const result = await reviewStacks({ baseRef: "main", stacks: ["dev"], workDir }, deps);
    expect(result.code).toBe(0);
    expect(result.summary).toContain("Diff dev → dev");
    expect(result.summary).toContain(`    + ${team[team.length - 1]}`);
    expect(result.summary).toMatch(/<details><summary>Full plan of dev \(exit 0\)<\/summary>\n\n```text\nPlan for stack "dev"/);
    expect(result.summary).toContain("Policies: passed: 0 mandatory violations");
    expect(result.summary).not.toContain("Rehearsal");
  });

  it("access: who gains or loses what, base → head, in the summary and in the comment", async () => {
    const { deps } = fakes({
      base: { "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prod.yaml": "config: {}\n" },
      baseAccess: { view: { stack: "dev", principals: [principal("user:alice@example.com", "service hello"), principal("group:eng@example.com", "service hello")] } },
      headAccess: [principal("user:alice@example.com", "service hello"), principal("user:mallory@example.com", "service hello", "job nightly")],
    });
    const result = await review(deps);
    const expected = [
      "Access dev on main → dev in this PR: who gains (+) or loses (-) what",
      "  group:eng@example.com",
      "    - service hello  roles/run.invoker",
      "  user:mallory@example.com",
      "    + service hello  roles/run.invoker",
      "    + job nightly    roles/run.invoker",
    ].join("\n");
    expect(result.summary).toContain(`**Access: who gains or loses what**\n\n\`\`\`text\n${expected}\n\`\`\`\n`);
    expect(result.comment).toContain("### Access changes: who gains or loses what (`main` → this PR)");
    expect(result.comment).toContain(`**\`dev\`**\n\`\`\`text\n${expected}\n\`\`\``);
    expect(result.comment).toContain("**`prod`**");
  });

  it("a new stack: everything it grants is gained; a base without an access view: the head's whole access, saying why", async () => {
    const { deps, calls } = fakes({ base: { "Pulumi.prod.yaml": "config: {}\n" }, headAccess: [principal("user:alice@example.com", "service hello")], baseAccess: { problem: "the base branch's plan of prod has no access view (its plan predates --access)" } });
    const result = await review(deps);
    expect(calls).not.toContain("baseAccess dev");
    expect(result.comment).toContain("Access no dev on main → dev in this PR: who gains (+) or loses (-) what\n  user:alice@example.com\n    + service hello  roles/run.invoker");
    expect(result.comment).toContain("Access before this PR unknown (the base branch's plan of prod has no access view (its plan predates --access)); everything this PR's plan grants:\nAccess in stack \"prod in this PR\"");
  });

  it("the head's access view failing (an invalid config) is said, and the review's exit code is still the head plan's", async () => {
    const { deps } = fakes({ exits: { dev: 2 } });
    deps.plan = async (argv) => (argv.includes("--access") ? { code: 2, output: "error: invalid config for \"dev\": 1 problem(s)\n" } : { code: argv.includes("--diff") ? 0 : 2, output: "x\n" });
    const result = await reviewStacks({ baseRef: "main", stacks: ["dev"], workDir }, deps);
    expect(result.code).toBe(2);
    expect(result.comment).toContain("The pull request's access view of dev could not be made: this PR's plan of dev printed no access view (exit 2: error: invalid config for \"dev\": 1 problem(s))");
  });

  it("text from the plan cannot close the comment's code block, and the comment stays under GitHub's size limit", async () => {
    expect(fence("a ``` b ```` c")).toEqual(["`````text", "a ``` b ```` c", "`````"]);
    const many = Array.from({ length: 3000 }, (_, i) => principal(`user:someone-${i}-\`\`\`@example.com`, "service hello"));
    const { deps } = fakes({ base: { "Pulumi.dev.yaml": "config: {}\n" }, headAccess: many });
    const result = await reviewStacks({ baseRef: "main", stacks: ["dev"], workDir }, deps);
    expect(result.comment.length).toBeLessThan(COMMENT_LIMIT + 1000);
    expect(result.comment).toMatch(/… \d+ more line\(s\): see the job summary\n````\n/);
    expect(result.comment).toMatch(/^````text$/m);
    // The summary keeps everything.
    expect(result.summary).toContain("user:someone-2999-```@example.com");
  });

  it("the base branch's access comes from its own plan, run in its checkout", async () => {
    const view = await baseAccess(REPO_ROOT, "dev");
    expect("view" in view && view.view.principals.map((p) => p.principal)).toEqual([
      "group:eng@example.com",
      "serviceAccount:api-svc@my-gcp-project.iam.gserviceaccount.com",
      "serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com",
      "serviceAccount:pulumi-smoke@my-gcp-project.iam.gserviceaccount.com",
      "user:alice@example.com",
    ]);
    // A base branch whose plan has no --access says so instead of showing nothing.
    const old = join(workDir, "old-base");
    mkdirSync(join(old, "plan"), { recursive: true });
    symlinkSync(join(REPO_ROOT, "node_modules"), join(old, "node_modules"));
    writeFileSync(join(old, "plan", "plan.ts"), "process.stderr.write(\"error: Unknown option '--access'\\n\"); process.exit(2);\n");
    expect(await baseAccess(old, "dev")).toEqual({ problem: "the base branch's plan of dev printed no access view (exit 2: error: Unknown option '--access')" });
  });
});
