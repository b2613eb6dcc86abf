import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { stackFilePath } from "../offline/stackFile";
import type { ConfigProblem } from "./run";

/**
 * A stack file the plan cannot read at all (missing, a directory, not YAML, not a
 * `config:` mapping). Carries `problems` like the stack's ConfigError, so the CLI lists
 * them and exits 2 with nothing on stdout.
 */
export class ConfigFileError extends Error {
  override name = "ConfigFileError";
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((problem) => `${problem.path}: ${problem.message}`).join("; "));
  }
}

/**
 * Checks that the stack file exists, is a file, is valid YAML and has the shape of a
 * Pulumi stack file (a mapping, whose `config:` is a mapping), before the program is
 * evaluated: the loader's own errors for these cases name neither the file nor the fix.
 * @throws ConfigFileError naming the file, the problem and the fix (YAML errors with line and column).
 */
export function checkStackFile(stackOrFile: string, projectDir: string, cwd: string = process.cwd()): void {
  const { file, isPath } = stackFilePath(stackOrFile, projectDir, cwd);
  const fail = (message: string): never => {
    throw new ConfigFileError([{ path: file, message }]);
  };
  if (!existsSync(file)) {
    fail(isPath ? `does not exist; pass the path of an existing Pulumi.<stack>.yaml` : `does not exist: no stack "${stackOrFile}" here; ${knownStacks(projectDir)}`);
  }
  if (statSync(file).isDirectory()) {
    const [example] = stackFilesIn(file);
    fail(`is a directory; pass a stack file${example !== undefined ? `, e.g. ${join(file, example)}` : " (Pulumi.<stack>.yaml)"}`);
  }
  if (isPath && !/^Pulumi\..+\.ya?ml$/i.test(basename(file))) {
    fail(`cannot tell the stack name from "${basename(file)}"; name the file Pulumi.<stack>.yaml (e.g. ${join(dirname(file), "Pulumi.dev.yaml")})`);
  }
  const document = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigFileError(
      document.errors.map((error) => ({
        path: file,
        message: `${linePosition(error.linePos?.[0])}invalid YAML: ${firstLine(error.message)}; fix the syntax (a YAML linter shows the same place)`,
      })),
    );
  }
  checkShape(document.contents, fail);
}

/** A Pulumi stack file is a mapping; its `config:` (when present) maps keys to values. */
function checkShape(contents: unknown, fail: (message: string) => never): void {
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ""))) return; // empty: the config check lists the required keys
  if (!isMap(contents)) {
    fail(`the top level is ${isSeq(contents) ? "a list" : "a single value"}, not a mapping; a stack file looks like "config:\\n  gcp:project: my-project" (see Pulumi.dev.yaml)`);
  }
  const config = contents.get("config", true);
  if (config === undefined || config === null || (isScalar(config) && config.value === null)) return;
  if (!isMap(config)) {
    fail(`config: is ${isSeq(config) ? "a list" : "a single value"}, not a mapping of keys to values; write "config:\\n  gcp:project: my-project" (see Pulumi.dev.yaml)`);
  }
}

function linePosition(position: { line: number; col: number } | undefined): string {
  return position ? `line ${position.line}, column ${position.col}: ` : "";
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "").trim();
}

function stackFilesIn(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => /^Pulumi\..+\.ya?ml$/i.test(name))
    .sort();
}

/** "stacks here: dev, prod" (from Pulumi.<stack>.yaml files in the project directory). */
function knownStacks(projectDir: string): string {
  const stacks = stackFilesIn(projectDir).map((name) => name.replace(/^Pulumi\.(.+)\.ya?ml$/i, "$1"));
  return stacks.length > 0 ? `stacks here: ${stacks.join(", ")} (or pass --config FILE)` : "create Pulumi.<stack>.yaml or pass --config FILE";
}
