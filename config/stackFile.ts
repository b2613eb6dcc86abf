/**
 * The one stack-file loader: where `--stack NAME` / `--config FILE` points,
 * whether that is a readable Pulumi stack file, its YAML parsed once, and its
 * bare keys qualified with the project's namespace as Pulumi does. Every way a
 * file can be unusable is a ConfigError naming the file, the place and the fix.
 * No Pulumi import: the plan checks a stack file before it pays for loading
 * the program.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLMap } from "yaml";
import { ConfigError, NAMESPACE, type StackConfig } from "../contract";

/** The Pulumi project directory (where index.ts, Pulumi.yaml and Pulumi.<stack>.yaml live). */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** `Pulumi.<stack>.yaml` (or .yml): the only name Pulumi gives a stack file; the stack name is its middle. */
const STACK_FILE_NAME = /^Pulumi\.(.+)\.ya?ml$/i;

/** A stack file, read and checked. */
export interface LoadedStack {
  /** Stack name: the argument itself, or the middle of the file's name. */
  stack: string;
  /** Absolute path of the file read. */
  file: string;
  /** Its `config:`, every key fully qualified ("gcp:project", "private-cloud-run:services"). */
  config: StackConfig;
}

/**
 * `--stack NAME` / `--config FILE`: a path (it ends in .yaml/.yml or holds a path
 * separator, resolved against `cwd`) or `Pulumi.NAME.yaml` in `projectDir`.
 */
export function stackFilePath(stackOrFile: string, projectDir: string = PROJECT_DIR, cwd: string = process.cwd()): { file: string; isPath: boolean } {
  const isPath = /\.ya?ml$/i.test(stackOrFile) || stackOrFile.includes("/") || stackOrFile.includes(path.sep);
  return { file: isPath ? path.resolve(cwd, stackOrFile) : path.join(projectDir, `Pulumi.${stackOrFile}.yaml`), isPath };
}

/**
 * Loads "dev" → `<projectDir>/Pulumi.dev.yaml`, or a path to a `Pulumi.<stack>.yaml`.
 * @throws ConfigError when the file is missing, a directory, misnamed, not YAML or
 *   not shaped like a stack file (Pulumi's own loader names neither the file nor the fix).
 */
export function loadStackConfig(stackOrFile: string, cwd: string = process.cwd(), projectDir: string = PROJECT_DIR): LoadedStack {
  const { file, isPath } = stackFilePath(stackOrFile, projectDir, cwd);
  const fail = (message: string): never => {
    throw new ConfigError([{ path: file, message }]);
  };
  if (!existsSync(file)) {
    fail(isPath ? `does not exist; pass the path of an existing Pulumi.<stack>.yaml` : `does not exist: no stack "${stackOrFile}" here; ${knownStacks(projectDir)}`);
  }
  if (statSync(file).isDirectory()) {
    const [example] = stackFilesIn(file);
    fail(`is a directory; pass a stack file${example !== undefined ? `, e.g. ${path.join(file, example)}` : " (Pulumi.<stack>.yaml)"}`);
  }
  const stack = isPath ? STACK_FILE_NAME.exec(path.basename(file))?.[1] : stackOrFile;
  if (stack === undefined) {
    return fail(`cannot tell the stack name from "${path.basename(file)}"; name the file Pulumi.<stack>.yaml (e.g. ${path.join(path.dirname(file), "Pulumi.dev.yaml")})`);
  }
  const lines = new LineCounter();
  return { stack, file, config: qualifiedKeys(configOf(parseStackFile(file, lines), lines, fail)) };
}

/** The YAML document, or a ConfigError with one problem per syntax error (line and column). */
function parseStackFile(file: string, lineCounter: LineCounter): Document {
  const document = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        path: file,
        message: `${linePosition(error.linePos?.[0])}invalid YAML: ${firstLine(error.message)}; fix the syntax (a YAML linter shows the same place)`,
      })),
    );
  }
  return document;
}

/**
 * A Pulumi stack file is a mapping; its `config:` (when present) maps keys to
 * values. An empty file or an absent `config:` is an empty config: the config
 * check then lists the required keys.
 */
function configOf(document: Document, lines: LineCounter, fail: (message: string) => never): Record<string, unknown> {
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ""))) return {};
  if (!isMap(contents)) {
    fail(`the top level is ${isSeq(contents) ? "a list" : "a single value"}, not a mapping; a stack file looks like "config:\\n  gcp:project: my-project" (see Pulumi.dev.yaml)`);
  }
  const config = (contents as { get(key: string, keepScalar: true): unknown }).get("config", true);
  if (config === undefined || config === null || (isScalar(config) && config.value === null)) return {};
  if (!isMap(config)) {
    fail(`config: is ${isSeq(config) ? "a list" : "a single value"}, not a mapping of keys to values; write "config:\\n  gcp:project: my-project" (see Pulumi.dev.yaml)`);
  }
  refuseTwins(config as YAMLMap, lines, fail);
  return (document.toJS() as { config: Record<string, unknown> }).config;
}

/**
 * `services:` and `private-cloud-run:services:` in one file are one key to
 * Pulumi, which keeps one value and drops the other silently: refuse the pair,
 * naming both and where they are.
 */
function refuseTwins(config: YAMLMap, lines: LineCounter, fail: (message: string) => never): void {
  const seen = new Map<string, { key: string; line: number }>();
  for (const item of config.items) {
    const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
    const line = isScalar(item.key) && item.key.range ? lines.linePos(item.key.range[0]).line : 0;
    const qualified = qualifiedKey(key);
    const twin = seen.get(qualified);
    if (twin !== undefined) {
      fail(
        `config: has both ${twin.key} (line ${twin.line}) and ${key} (line ${line}), which Pulumi reads as the same key, ` +
          `so one of them would be dropped without a word; keep one (${qualified}) and merge the other into it`,
      );
    }
    seen.set(qualified, { key, line });
  }
}

/** "services" → "private-cloud-run:services"; a key with a namespace is kept. */
function qualifiedKey(key: string): string {
  return key.includes(":") ? key : `${NAMESPACE}:${key}`;
}

/** Keys without a namespace get the project's, as Pulumi does ("services" → "private-cloud-run:services"). */
function qualifiedKeys(config: Record<string, unknown>): StackConfig {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [qualifiedKey(key), value]));
}

function linePosition(position: { line: number; col: number } | undefined): string {
  return position ? `line ${position.line}, column ${position.col}: ` : "";
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "").trim();
}

function stackFilesIn(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => STACK_FILE_NAME.test(name))
    .sort();
}

/** "stacks here: dev, prod" (from Pulumi.<stack>.yaml files in the project directory). */
function knownStacks(projectDir: string): string {
  const stacks = stackFilesIn(projectDir).map((name) => name.replace(STACK_FILE_NAME, "$1"));
  return stacks.length > 0 ? `stacks here: ${stacks.join(", ")} (or pass --config FILE)` : "create Pulumi.<stack>.yaml or pass --config FILE";
}
