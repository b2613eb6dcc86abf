/**
 * Keeps the README true and short: its quick start, the npm scripts it names, its links,
 * its length; and the dev stack's Mermaid diagram docs/plan.md shows (real output of the
 * program; the README links to it rather than repeating it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadStackConfig } from "../config/stackFile";
import { evaluateStack } from "../offline/evaluate";
import { renderMermaid } from "../plan/mermaid";
import { evaluatePolicies } from "../policy/rules";
import { sharedEvaluation } from "./support/sharedEvaluations";
import { publicExposures } from "./support/stackHarness";

const root = path.join(__dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const scripts = Object.keys(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts);

function fencedBlocks(text: string, language: string): string[] {
  const pattern = new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g");
  return [...text.matchAll(pattern)].map((match) => match[1]);
}

describe("README", () => {
  it("starts with the two commands: set up and run, and test", () => {
    const firstBlock = readme.split("```")[1];
    const commands = firstBlock.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean);
    expect(commands).toEqual(["sh", "npm ci && npm start", "npm test"]);
  });

  it("names only npm scripts that exist", () => {
    const named = [...readme.matchAll(/npm run (?:--silent )?([a-z]+(?::[a-z]+)*)/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it("names every npm script", () => {
    const unnamed = scripts.filter((name) => !["start", "test"].includes(name) && !readme.includes(`npm run ${name}`));
    expect(unnamed).toEqual([]);
  });

  it.each(["README.md", "CONTRIBUTING.md", "bench/README.md"])("%s links only to files that exist", (file) => {
    const text = readFileSync(path.join(root, file), "utf8");
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^https?:/.test(target));
    if (file === "README.md") expect(targets.length).toBeGreaterThan(3);
    expect(targets.filter((target) => !existsSync(path.join(root, path.dirname(file), target)))).toEqual([]);
  });

  it("stays at most 200 lines: every other topic lives in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
  });

  it("its config example is a stack that plans: valid, nothing public, no mandatory policy violation", async () => {
    const [example] = fencedBlocks(readme, "yaml");
    const dir = mkdtempSync(path.join(tmpdir(), "readme-stack-"));
    try {
      writeFileSync(path.join(dir, "Pulumi.readme.yaml"), example);
      const evaluation = await evaluateStack(loadStackConfig(path.join(dir, "Pulumi.readme.yaml")));
      expect(evaluation.resources.length).toBeGreaterThan(10);
      expect(publicExposures(evaluation)).toEqual([]);
      expect(evaluatePolicies(evaluation.resources, { stack: evaluation.stack }).filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("docs/plan.md shows the dev stack's current Mermaid diagram", async () => {
    const evaluation = await sharedEvaluation("dev");
    const [diagram] = fencedBlocks(readFileSync(path.join(root, "docs", "plan.md"), "utf8"), "mermaid");
    expect(diagram.trim()).toBe(renderMermaid(evaluation.resources).trim());
  });
});
