/**
 * The pull-request workflow's offline plan step, run as the runner runs it
 * (under the shell the workflow declares: `bash --noprofile --norc -eo pipefail`), with `git` and `npm` replaced by recording fakes on
 * PATH: which commands it issues, what reaches the job summary, and which exit
 * code fails the job. (The real `npm run plan` is exercised by the plan's tests.)
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { effectiveShell, loadWorkflow, runnerShellCommand } from "./workflowModel";

const { script, shell } = (() => {
  const workflow = loadWorkflow("pull-request.yml");
  const step = workflow.jobs.test.steps.find((s) => typeof s.run === "string" && s.run.includes("--diff"));
  if (!step?.run) throw new Error("pull-request.yml: the plan step is missing");
  return { script: step.run, shell: effectiveShell(workflow, workflow.jobs.test, step) };
})();

// Fake git: `git show origin/main:Pulumi.<stack>.yaml` prints a base file if one exists in base/.
const FAKE_GIT = `#!/usr/bin/env bash
echo "git $*" >> "$FAKE_LOG"
if [ "$1" = show ] && [ -f "$FAKE_BASE/\${2#origin/main:}" ]; then cat "$FAKE_BASE/\${2#origin/main:}"; exit 0; fi
echo "fatal: path not in origin/main" >&2; exit 128
`;
// Fake npm: logs its arguments, prints a line, exits with FAKE_EXIT_<stack> for `--stack <stack>`.
const FAKE_NPM = `#!/usr/bin/env bash
echo "npm $*" >> "$FAKE_LOG"
echo "plan output for: $*"
if [[ " $* " == *" --diff "* ]]; then exit "\${FAKE_DIFF_EXIT:-0}"; fi
args="$*"; stack="\${args##*--stack }"; var="FAKE_EXIT_\${stack%% *}"; exit "\${!var:-0}"
`;

interface StepRun {
  status: number | null;
  summary: string;
  log: string[];
  stdout: string;
}

describe("pull-request.yml: offline plan step", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plan-step-"));
    for (const sub of ["bin", "base", "work", "runner"]) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, "bin/git"), FAKE_GIT);
    writeFileSync(join(dir, "bin/npm"), FAKE_NPM);
    chmodSync(join(dir, "bin/git"), 0o755);
    chmodSync(join(dir, "bin/npm"), 0o755);
    writeFileSync(join(dir, "work/Pulumi.dev.yaml"), "config: {}\n");
    writeFileSync(join(dir, "work/Pulumi.prod.yaml"), "config: {}\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runStep(env: Record<string, string> = {}): StepRun {
    writeFileSync(join(dir, "summary.md"), "");
    writeFileSync(join(dir, "log"), "");
    writeFileSync(join(dir, "step.sh"), script);
    const [command, ...args] = runnerShellCommand(shell, join(dir, "step.sh"));
    const result = spawnSync(command, args, {
      cwd: join(dir, "work"),
      encoding: "utf8",
      env: {
        PATH: `${join(dir, "bin")}:${process.env.PATH}`,
        RUNNER_TEMP: join(dir, "runner"),
        GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
        BASE_REF: "main",
        FAKE_LOG: join(dir, "log"),
        FAKE_BASE: join(dir, "base"),
        ...env,
      },
    });
    return {
      status: result.status,
      summary: readFileSync(join(dir, "summary.md"), "utf8"),
      log: readFileSync(join(dir, "log"), "utf8").trim().split("\n"),
      stdout: result.stdout,
    };
  }

  it("diffs base → head for each stack that exists on the base branch, then plans the head", () => {
    writeFileSync(join(dir, "base/Pulumi.dev.yaml"), "config: {base: true}\n");
    writeFileSync(join(dir, "base/Pulumi.prod.yaml"), "config: {base: true}\n");
    const run = runStep();
    expect(run.status).toBe(0);
    const base = (stack: string) => join(dir, "runner/base", `Pulumi.${stack}.yaml`);
    expect(run.log).toEqual([
      "git show origin/main:Pulumi.dev.yaml",
      `npm run --silent plan -- --config ${base("dev")} --diff Pulumi.dev.yaml`,
      "npm run --silent plan -- --stack dev",
      "git show origin/main:Pulumi.prod.yaml",
      `npm run --silent plan -- --config ${base("prod")} --diff Pulumi.prod.yaml`,
      "npm run --silent plan -- --stack prod",
    ]);
    expect(readFileSync(base("dev"), "utf8")).toBe("config: {base: true}\n");
    expect(run.summary).toContain("### Offline plan: `dev` (`main` → this PR)");
    expect(run.summary).toContain(`plan output for: run --silent plan -- --config ${base("prod")} --diff Pulumi.prod.yaml`);
    expect(run.summary).toContain("<details><summary>Full plan of prod (exit 0)</summary>");
  });

  it("says 'new stack' when the base branch has no such file, and still plans the head", () => {
    writeFileSync(join(dir, "base/Pulumi.dev.yaml"), "config: {}\n");
    const run = runStep();
    expect(run.status).toBe(0);
    expect(run.summary).toContain("New stack: no Pulumi.prod.yaml on main.");
    expect(run.log.filter((line) => line.includes("--diff Pulumi.prod.yaml"))).toEqual([]);
    expect(run.log).toContain("npm run --silent plan -- --stack prod");
  });

  it.each([
    ["a mandatory policy fails", "1"],
    ["the config is invalid", "2"],
  ])("fails the job with the head plan's exit code when %s, after planning every stack", (_why, code) => {
    const run = runStep({ FAKE_EXIT_dev: code });
    expect(run.status).toBe(Number(code));
    expect(run.summary).toContain(`Full plan of dev (exit ${code})`);
    expect(run.summary).toContain("Full plan of prod (exit 0)");
    // The failing plan is also printed in the log, not only in the summary.
    expect(run.stdout).toContain("plan output for: run --silent plan -- --stack dev");
  });

  it("does not fail on the informational diff alone (e.g. an invalid base config)", () => {
    writeFileSync(join(dir, "base/Pulumi.dev.yaml"), "config: {}\n");
    expect(runStep({ FAKE_DIFF_EXIT: "2" }).status).toBe(0);
  });
});
