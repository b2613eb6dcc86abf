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
import { allJobs, effectiveShell, loadWorkflow, loadWorkflows, runnerShellCommand, type Step } from "./workflowModel";

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
      env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, RUNNER_TEMP: join(dir, "runner"), FAKE_LOG: join(dir, "log"), FAKE_SMOKE_EXIT: String(smokeExit) },
    });
    const report = join(dir, "runner", `smoke-${stack}.json`);
    return { status: result.status, report: existsSync(report) ? readFileSync(report, "utf8") : undefined, log: readFileSync(join(dir, "log"), "utf8").trim() };
  }

  it("asks the smoke CLI for this stack's outputs as JSON", () => {
    const run = runStep(0);
    expect(run.log).toBe(`npm run --silent smoke -- --stack ${stack} --json`);
    expect(run.status).toBe(0);
    expect(run.report).toBe('{"ok":true}\n');
  });

  it("fails the step when the smoke test fails, and still keeps the report for the job summary", () => {
    const run = runStep(1);
    expect(run.status).toBe(1);
    expect(run.report).toBe('{"ok":false}\n');
  });
});
