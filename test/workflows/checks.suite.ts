/**
 * npm test's checks are wired as documented: oxlint reads .oxlintrc.json and refuses what
 * the project refuses, each TypeScript is the one its job needs, and test/run.mjs reports each outcome.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lint-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What oxlint reports for `source`, linted as a .ts (or `extension`) file with the project's
 * config: the rule names, and each diagnostic's help. JSON, because oxlint picks its human
 * format from the environment (CI, GITHUB_ACTIONS), and a test must read the same thing everywhere.
 */
function lint(source: string, extension = "ts"): { rules: string[]; help: string[] } {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.${extension}`);
  writeFileSync(file, source);
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "oxlint"), ["-c", join(ROOT, ".oxlintrc.json"), "--format", "json", file], { encoding: "utf8" });
  const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: { code: string; help?: string }[] };
  return { rules: diagnostics.map((diagnostic) => diagnostic.code).sort(), help: diagnostics.map((diagnostic) => diagnostic.help ?? "") };
}

describe("oxlint with the repository's .oxlintrc.json", () => {
  it("refuses the whole @pulumi/gcp package, naming the module-path fix", () => {
    const { rules, help } = lint('import * as gcp from "@pulumi/gcp";\nexport const project = gcp;\n');
    expect(rules).toEqual(["eslint(no-restricted-imports)"]);
    expect(help[0]).toContain('import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2"');
  });

  it("accepts a module path of @pulumi/gcp", () => {
    expect(lint('import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";\nexport const run = cloudrunv2;\n').rules).toEqual([]);
  });

  it("refuses unused names unless they start with _, any, require(), @ts-ignore and a let never reassigned", () => {
    const source = [
      "const unused = 1;",
      "const _ignored = 2;",
      "export function f(_arg: number, a: any) { return require(\"node:fs\") && a; }",
      "// @ts-ignore",
      "let once = 3;",
      "export const g = once;",
    ].join("\n");
    expect(lint(source).rules).toEqual([
      "eslint(no-unused-vars)",
      "eslint(prefer-const)",
      "typescript(ban-ts-comment)",
      "typescript(no-explicit-any)",
      "typescript(no-require-imports)",
    ]);
  });
});

describe("oxlint on the JavaScript files (jest's config and support files, test/run.mjs)", () => {
  it.each(["js", "mjs"])("lints .%s files too, with require() allowed (they are CommonJS where they use it)", (extension) => {
    expect(lint('const unused = 1;\nconst fs = require("node:fs");\nmodule.exports = fs;\n', extension).rules).toEqual(["eslint(no-unused-vars)"]);
  });
});

describe("the two TypeScripts", () => {
  const versionOf = (name: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

  it("typescript is 5.x: Pulumi compiles the program with it at deploy time", () => {
    expect(versionOf("typescript")).toMatch(/^5\./);
  });

  it("typescript7 is TypeScript 7, the version the image's build stage compiles the app with", () => {
    const appTypescript = (JSON.parse(readFileSync(join(ROOT, "app", "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies.typescript;
    expect(versionOf("typescript7")).toMatch(/^7\./);
    expect(versionOf("typescript7")).toBe(appTypescript);
  });
});

describe("npm test's runner (test/run.mjs), on a stand-in project", () => {
  /**
   * Runs a copy of test/run.mjs in a project whose checks are the given shell commands and
   * whose jest (node_modules/.bin/jest) is `jest`: its exit code and stderr's lines.
   */
  function runWith(scripts: Record<string, string>, jest: string): { code: number | null; lines: string[] } {
    const project = mkdtempSync(join(dir, "project-"));
    mkdirSync(join(project, "test"));
    mkdirSync(join(project, "node_modules", ".bin"), { recursive: true });
    copyFileSync(join(ROOT, "test", "run.mjs"), join(project, "test", "run.mjs"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ scripts: { typecheck: "true", "build:app": "true", lint: "true", ...scripts } }));
    writeFileSync(join(project, "node_modules", ".bin", "jest"), `#!/bin/sh\n${jest}\n`, { mode: 0o755 });
    const result = spawnSync(process.execPath, [join(project, "test", "run.mjs")], { cwd: project, encoding: "utf8" });
    return { code: result.status, lines: result.stderr.trimEnd().split("\n") };
  }

  it("passes with jest's summary as the last line", () => {
    const run = runWith({}, 'echo "tests: 3 passed, 0 failed" >&2');
    expect(run.code).toBe(0);
    expect(run.lines.at(-1)).toBe("tests: 3 passed, 0 failed");
  });

  it("fails when jest fails outside its tests, saying so just before the summary", () => {
    const run = runWith({}, 'echo "teardown broke" >&2; echo "tests: 3 passed, 0 failed" >&2; exit 1');
    expect(run.code).toBe(1);
    // The checks' ✓ lines come whenever they end; the last two lines are run.mjs's to order.
    expect(run.lines).toContain("teardown broke");
    expect(run.lines.slice(-2)).toEqual(["✗ jest exited with code 1 outside the tests: its error is above", "tests: 3 passed, 0 failed"]);
  });

  it("fails when a check fails, with its output and exit code", () => {
    const run = runWith({ lint: 'echo "x no-unused-vars" && exit 3' }, 'echo "tests: 3 passed, 0 failed" >&2');
    expect(run.code).toBe(1);
    expect(run.lines).toContain("x no-unused-vars");
    expect(run.lines.at(-1)).toMatch(/^✗ lint failed \(exit 3, /);
  });
});
