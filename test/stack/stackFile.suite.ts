/**
 * The stack-file loader, which runs before the program is evaluated: odd input a user
 * really passes (a typo'd path, a folder, a YAML slip, a file of the wrong shape) must
 * name the file, the place and the fix.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStackConfig } from "../../config/stackFile";
import { ConfigError } from "../../contract";

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "plan-config-file-"));
  writeFileSync(join(project, "Pulumi.yaml"), "name: x\nruntime: nodejs\n");
  writeFileSync(join(project, "Pulumi.dev.yaml"), "config:\n  gcp:project: p\n");
  writeFileSync(join(project, "Pulumi.prod.yaml"), "config:\n  gcp:project: p\n");
  writeFileSync(join(project, "Pulumi.empty.yaml"), "");
  writeFileSync(join(project, "Pulumi.noconfig.yaml"), "encryptionsalt: abc\n");
  writeFileSync(join(project, "Pulumi.badyaml.yaml"), "config:\n  gcp:project: [unclosed\n");
  writeFileSync(join(project, "Pulumi.dupkey.yaml"), "config:\n  gcp:project: p\n  gcp:project: q\n");
  writeFileSync(join(project, "Pulumi.list.yaml"), "- config\n");
  writeFileSync(join(project, "Pulumi.scalar.yaml"), "just words\n");
  writeFileSync(join(project, "Pulumi.configlist.yaml"), "config: [1, 2]\n");
  writeFileSync(join(project, "stack.yaml"), "config:\n  gcp:project: p\n");
  // The same key twice, once bare and once namespaced: Pulumi reads both as private-cloud-run:services.
  writeFileSync(
    join(project, "Pulumi.twins.yaml"),
    "config:\n  gcp:project: p\n  services:\n    - name: a\n  private-cloud-run:services:\n    - name: b\n",
  );
  mkdirSync(join(project, "Pulumi.folder.yaml"));
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

/** The one-line problems the loader throws, with the temporary directory written as <dir>. */
function problems(target: string): string[] {
  try {
    loadStackConfig(target, project, project);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`.split(project).join("<dir>"));
  }
  return [];
}

describe("loadStackConfig: the stack-file check", () => {
  it.each(["dev", "prod", "Pulumi.dev.yaml", "./Pulumi.prod.yaml", "empty", "noconfig"])("accepts %s", (target) => {
    expect(problems(target)).toEqual([]);
  });

  it.each([
    ["staging", /^<dir>\/Pulumi\.staging\.yaml: does not exist: no stack "staging" here; stacks here: [^;]*\bdev, [^;]*prod\b/],
    ["missing/Pulumi.x.yaml", /^<dir>\/missing\/Pulumi\.x\.yaml: does not exist; pass the path of an existing Pulumi\.<stack>\.yaml$/],
    ["./", /^<dir>: is a directory; pass a stack file, e.g. <dir>\/Pulumi\.[a-z]+\.yaml$/],
    ["Pulumi.folder.yaml", /^<dir>\/Pulumi\.folder\.yaml: is a directory; pass a stack file/],
    ["stack.yaml", /^<dir>\/stack\.yaml: cannot tell the stack name from "stack\.yaml"; name the file Pulumi\.<stack>\.yaml/],
    ["badyaml", /^<dir>\/Pulumi\.badyaml\.yaml: line \d+, column \d+: invalid YAML: Flow sequence.*; fix the syntax/],
    ["dupkey", /^<dir>\/Pulumi\.dupkey\.yaml: line 3, column 3: invalid YAML: Map keys must be unique; fix the syntax/],
    ["list", /^<dir>\/Pulumi\.list\.yaml: the top level is a list, not a mapping/],
    ["scalar", /^<dir>\/Pulumi\.scalar\.yaml: the top level is a single value, not a mapping/],
    ["configlist", /^<dir>\/Pulumi\.configlist\.yaml: config: is a list, not a mapping of keys to values/],
    [
      "twins",
      /^<dir>\/Pulumi\.twins\.yaml: config: has both services \(line 3\) and private-cloud-run:services \(line 5\), which Pulumi reads as the same key, so one of them would be dropped without a word; keep one \(private-cloud-run:services\) and merge the other into it$/,
    ],
  ])("refuses %s, naming the file and the fix", (target, expected) => {
    const found = problems(target);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
