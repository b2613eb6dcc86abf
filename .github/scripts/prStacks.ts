/**
 * Which per-PR stacks exist, and which of them belong to a closed pull request:
 * the pr-stack workflow's destroy (tolerate a stack that was never created) and
 * the scheduled janitor (destroy the stacks whose close event was missed).
 *
 *   pulumi stack ls --json > stacks.json
 *   npx tsx .github/scripts/prStacks.ts exists --stacks stacks.json --stack pr-42   # prints exists=true|false
 *   gh pr list --state open --limit 1000 --json number > open.json
 *   npx tsx .github/scripts/prStacks.ts closed --stacks stacks.json --open open.json  # one stack name a line
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileErrorReason, runScript, type ScriptIO } from "./cli";

/** A per-PR stack's name: `pr-<number>` (prStackConfig.ts). */
const PR_STACK = /^pr-([1-9][0-9]{0,9})$/;

/**
 * Stack names from `pulumi stack ls --json` (an array of `{ name }`). A
 * fully-qualified name (`org/project/pr-42`) is reduced to its last part.
 * @throws Error naming the flag when the document is not such a list.
 */
export function stackNames(document: unknown, flag = "--stacks"): string[] {
  if (!Array.isArray(document) || !document.every((entry) => typeof entry?.name === "string")) {
    throw new Error(`${flag}: expected the JSON list \`pulumi stack ls --json\` prints ([{"name": …}, …]); write it with pulumi stack ls --json > FILE`);
  }
  return document.map((entry: { name: string }) => entry.name.split("/").pop() as string);
}

/**
 * Open pull-request numbers from `gh pr list --json number`.
 * @throws Error naming the flag when the document is not such a list.
 */
export function openPullRequests(document: unknown, flag = "--open"): Set<number> {
  if (!Array.isArray(document) || !document.every((entry) => Number.isInteger(entry?.number))) {
    throw new Error(`${flag}: expected the JSON list \`gh pr list --state open --json number\` prints ([{"number": 42}, …])`);
  }
  return new Set(document.map((entry: { number: number }) => entry.number));
}

/** The `pr-<N>` stacks whose pull request N is not open, sorted; other stacks (dev, prod) are never listed. */
export function closedPrStacks(stacks: readonly string[], open: ReadonlySet<number>): string[] {
  return stacks
    .map((name) => ({ name, match: PR_STACK.exec(name) }))
    .filter(({ match }) => match !== null && !open.has(Number(match[1])))
    .map(({ name }) => name)
    .sort();
}

function readJson(file: string | undefined, flag: string, cwd: string): unknown {
  if (!file) throw new Error(`${flag} FILE is required`);
  try {
    return JSON.parse(readFileSync(resolve(cwd, file), "utf8"));
  } catch (error) {
    throw new Error(`${flag}: cannot read "${file}" as JSON (${fileErrorReason(error)})`);
  }
}

export function main(argv: string[], io: ScriptIO): void {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { stacks: { type: "string" }, stack: { type: "string" }, open: { type: "string" } }, strict: true });
  const stacks = () => stackNames(readJson(values.stacks, "--stacks", io.cwd));
  if (command === "exists") {
    if (!values.stack || !PR_STACK.test(values.stack)) throw new Error(`--stack: ${JSON.stringify(values.stack ?? "")} is not a PR stack name; pass --stack pr-<number>`);
    io.stdout(`exists=${stacks().includes(values.stack)}\n`);
  } else if (command === "closed") {
    const closed = closedPrStacks(stacks(), openPullRequests(readJson(values.open, "--open", io.cwd)));
    io.stdout(closed.map((name) => `${name}\n`).join(""));
  } else {
    throw new Error(`${JSON.stringify(command ?? "")} is not a command; use exists --stacks FILE --stack pr-N, or closed --stacks FILE --open FILE`);
  }
}

if (require.main === module) runScript(main);
