/**
 * The pull-request review (plan/review.ts), run in-process: which plans it runs in which
 * order, what reaches the job summary and the log, and which exit code fails the job.
 * The last test runs the real plan on the repository's dev stack.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseReviewArgs, reviewDeps, reviewStacks, type PlanRun, type ReviewDeps } from "../../plan/review";
import { UsageError } from "../../runner/cli";

const REPO_ROOT = join(__dirname, "..", "..");

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), "plan-review-"));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

/** Fake collaborators: base files by name, head plan exit codes by stack, every call logged. */
function fakes(options: { base?: Record<string, string>; exits?: Record<string, number>; diffExit?: number } = {}) {
  const calls: string[] = [];
  const deps: ReviewDeps = {
    headHas: (file) => ["Pulumi.dev.yaml", "Pulumi.prod.yaml"].includes(file),
    readBase: async (file) => {
      calls.push(`readBase ${file}`);
      return options.base?.[file];
    },
    plan: async (argv): Promise<PlanRun> => {
      calls.push(`plan ${argv.join(" ")}`);
      const output = `plan output for: ${argv.join(" ")}\n`;
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
      "readBase Pulumi.dev.yaml",
      `plan --config ${base("dev")} --diff Pulumi.dev.yaml`,
      "plan --stack dev",
      "readBase Pulumi.prod.yaml",
      `plan --config ${base("prod")} --diff Pulumi.prod.yaml`,
      "plan --stack prod",
    ]);
    expect(readFileSync(base("dev"), "utf8")).toBe("config: {base: true}\n");
    expect(result.summary).toContain("### Offline plan: `dev` (`main` → this PR)");
    expect(result.summary).toContain(`\`\`\`\nplan output for: --config ${base("prod")} --diff Pulumi.prod.yaml\n\`\`\`\n`);
    expect(result.summary).toContain("<details><summary>Full plan of prod (exit 0)</summary>\n\n```\nplan output for: --stack prod\n```\n</details>\n");
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
    expect(result.summary).toMatch(/<details><summary>Full plan of dev \(exit 0\)<\/summary>\n\n```\nPlan for stack "dev"/);
    expect(result.summary).toContain("Policies: passed: 0 mandatory violations");
    expect(result.summary).not.toContain("Rehearsal");
  });
});
