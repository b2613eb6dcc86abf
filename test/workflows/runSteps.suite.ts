/**
 * How the runner executes the workflows' `run:` scripts. With no `shell:` set,
 * GitHub runs them with `bash -e` and WITHOUT pipefail, so
 * `npm run smoke … | tee report.json` would pass even when the smoke test
 * fails. Every workflow therefore sets `defaults.run.shell: bash`
 * (`bash --noprofile --norc -eo pipefail`), and the deploy's smoke step is run
 * here under the shell the workflow actually declares, with a fake `npm`.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TSX_CJS_HOOK } from "../support/tsxProcess";
import { REPO_ROOT, allJobs, effectiveShell, loadWorkflow, loadWorkflows, runnerShellCommand, type Step } from "./workflowModel";

describe("run: steps", () => {
  it("run under bash with pipefail in every workflow (defaults.run.shell: bash, no step opts out)", () => {
    for (const workflow of loadWorkflows()) expect({ file: workflow.file, shell: workflow.defaults?.run?.shell }).toEqual({ file: workflow.file, shell: "bash" });
    for (const { workflow, id, job } of allJobs()) {
      for (const step of job.steps.filter((s) => typeof s.run === "string")) {
        const label = `${workflow.file}#${id}: ${step.name ?? step.run?.split("\n")[0]}`;
        expect({ label, shell: effectiveShell(workflow, job, step) }).toEqual({ label, shell: "bash" });
      }
    }
  });
});

// Fake npm: records its arguments, prints a JSON line like the smoke CLI's report, exits with FAKE_SMOKE_EXIT.
const FAKE_NPM = `#!/usr/bin/env bash
echo "npm $*" >> "$FAKE_LOG"
echo '{"ok":'"$([ "\${FAKE_SMOKE_EXIT:-0}" = 0 ] && echo true || echo false)"'}'
exit "\${FAKE_SMOKE_EXIT:-0}"
`;

describe.each(["dev", "prod"])("deploy.yml: the %s smoke step, under the workflow's shell", (stack) => {
  const workflow = loadWorkflow("deploy.yml");
  const job = workflow.jobs[stack];
  const step = job.steps.find((s) => typeof s.run === "string" && s.run.includes("npm run --silent smoke")) as Step;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "smoke-step-"));
    for (const sub of ["bin", "runner"]) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, "bin/npm"), FAKE_NPM);
    chmodSync(join(dir, "bin/npm"), 0o755);
    writeFileSync(join(dir, "step.sh"), step.run as string);
    writeFileSync(join(dir, "log"), "");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runStep(smokeExit: number) {
    const [command, ...args] = runnerShellCommand(effectiveShell(workflow, job, step), join(dir, "step.sh"));
    const result = spawnSync(command, args, {
      encoding: "utf8",
      env: {
        PATH: `${join(dir, "bin")}:${process.env.PATH}`,
        RUNNER_TEMP: join(dir, "runner"),
        FAKE_LOG: join(dir, "log"),
        FAKE_SMOKE_EXIT: String(smokeExit),
        // What the step's env: maps from the repository variables.
        SMOKE_SERVICE_ACCOUNT: `pulumi-smoke@p-${stack}.iam.gserviceaccount.com`,
        OUTSIDER_SERVICE_ACCOUNT: `pulumi-outsider@p-${stack}.iam.gserviceaccount.com`,
      },
    });
    const report = join(dir, "runner", `smoke-${stack}.json`);
    return { status: result.status, report: existsSync(report) ? readFileSync(report, "utf8") : undefined, log: readFileSync(join(dir, "log"), "utf8").trim() };
  }

  it("asks the smoke CLI for this stack's outputs as JSON, calling as the smoke account and the outsider", () => {
    const run = runStep(0);
    expect(run.log).toBe(
      `npm run --silent smoke -- --stack ${stack} --impersonate pulumi-smoke@p-${stack}.iam.gserviceaccount.com --outsider pulumi-outsider@p-${stack}.iam.gserviceaccount.com --json`,
    );
    expect(run.status).toBe(0);
    expect(run.report).toBe('{"ok":true}\n');
  });

  it("fails the step when the smoke test fails, and still keeps the report for the job summary", () => {
    const run = runStep(1);
    expect(run.status).toBe(1);
    expect(run.report).toBe('{"ok":false}\n');
  });
});

// Fake pulumi and gh: `stack ls --json` prints FAKE_STACKS, `destroy` logs its arguments and
// fails for the stack named in FAKE_FAIL; gh prints FAKE_OPEN. npx runs `npx tsx SCRIPT` as one
// Node process with tsx's CommonJS hook (the real npx starts npm, then tsx's two processes, for
// the same script) and refuses anything else.
const FAKE_PULUMI = `#!/usr/bin/env bash
if [ "$1 $2" = "stack ls" ]; then echo "$FAKE_STACKS"; exit 0; fi
echo "pulumi $*" >> "$FAKE_LOG"
if [ "$1" = destroy ] && [ "$3" = "\${FAKE_FAIL:-none}" ]; then exit 1; fi
`;
const FAKE_GH = `#!/usr/bin/env bash
echo "$FAKE_OPEN"
`;
const FAKE_NPX = `#!/usr/bin/env bash
[ "$1" = tsx ] || { echo "fake npx: unexpected npx $*" >&2; exit 127; }
shift
exec "$FAKE_NODE" --require "$FAKE_TSX_HOOK" "$@"
`;

describe("PR stack clean-up steps, under the workflow's shell with a fake pulumi and gh", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pr-stack-steps-"));
    for (const sub of ["bin", "runner"]) mkdirSync(join(dir, sub));
    for (const [name, text] of [["pulumi", FAKE_PULUMI], ["gh", FAKE_GH], ["npx", FAKE_NPX]]) {
      writeFileSync(join(dir, "bin", name), text);
      chmodSync(join(dir, "bin", name), 0o755);
    }
    writeFileSync(join(dir, "log"), "");
    writeFileSync(join(dir, "output"), "");
    writeFileSync(join(dir, "summary"), "");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const STACKS = JSON.stringify([{ name: "dev" }, { name: "pr-7" }, { name: "pr-9" }, { name: "pr-42" }]);

  function runWorkflowStep(file: string, jobId: string, match: (step: Step) => boolean, env: Record<string, string>) {
    const workflow = loadWorkflow(file);
    const job = workflow.jobs[jobId];
    const step = job.steps.find(match) as Step;
    writeFileSync(join(dir, "step.sh"), step.run as string);
    const [command, ...args] = runnerShellCommand(effectiveShell(workflow, job, step), join(dir, "step.sh"));
    const result = spawnSync(command, args, {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: {
        PATH: `${join(dir, "bin")}:${join(REPO_ROOT, "node_modules/.bin")}:${process.env.PATH}`,
        HOME: process.env.HOME ?? dir,
        RUNNER_TEMP: join(dir, "runner"),
        GITHUB_OUTPUT: join(dir, "output"),
        GITHUB_STEP_SUMMARY: join(dir, "summary"),
        GITHUB_REPOSITORY: "example-org/private-cloud-run",
        FAKE_LOG: join(dir, "log"),
        FAKE_STACKS: STACKS,
        FAKE_NODE: process.execPath,
        FAKE_TSX_HOOK: TSX_CJS_HOOK,
        ...env,
      },
    });
    return { status: result.status, stdout: result.stdout, log: readFileSync(join(dir, "log"), "utf8").trim().split("\n").filter(Boolean), output: readFileSync(join(dir, "output"), "utf8") };
  }

  it("pr-stack destroy: the existence check says false for a stack that was never created, true for one that was", () => {
    const check = (stack: string) => runWorkflowStep("pr-stack.yml", "destroy", (s) => s.id === "exists", { STACK: stack }).output;
    expect(check("pr-8")).toBe("exists=false\n");
    writeFileSync(join(dir, "output"), "");
    expect(check("pr-42")).toBe("exists=true\n");
  });

  it("janitor: destroys and removes the stacks of closed pull requests only, and fails naming one that could not be destroyed", () => {
    const env = { FAKE_OPEN: JSON.stringify([{ number: 42 }]), GH_TOKEN: "unused" };
    const list = runWorkflowStep("pr-stack-janitor.yml", "sweep", (s) => typeof s.run === "string" && s.run.includes("gh pr list"), env);
    expect(list.status).toBe(0);
    expect(readFileSync(join(dir, "runner", "closed.txt"), "utf8")).toBe("pr-7\npr-9\n");
    const sweep = runWorkflowStep("pr-stack-janitor.yml", "sweep", (s) => typeof s.run === "string" && s.run.includes("pulumi destroy"), { ...env, FAKE_FAIL: "pr-7" });
    expect(sweep.log).toEqual([
      "pulumi destroy --stack pr-7 --yes --remove --non-interactive --suppress-progress",
      "pulumi destroy --stack pr-9 --yes --remove --non-interactive --suppress-progress",
    ]);
    // pr-9 was still attempted after pr-7 failed; the step fails and names pr-7.
    expect(sweep.status).toBe(1);
    expect(sweep.stdout).toContain("::error title=PR stack janitor::pr-7 could not be destroyed");
  });
});
