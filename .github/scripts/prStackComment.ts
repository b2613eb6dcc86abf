/**
 * Renders the pr-stack workflow's PR comment from `pulumi stack output --json`:
 * each service's URL and invokers, each job's invokers, and how to call them.
 *
 *   npx tsx .github/scripts/prStackComment.ts --outputs outputs.json --stack pr-42 --smoke success
 *
 * Reads only public outputs (URLs, IAM members, commands): no token is ever
 * part of the stack outputs, so none can reach the comment.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { outputProblems, stackOutputsSchema, type JobOutputs, type ServiceOutputs, type StackOutputs } from "../../contract";
import { fileErrorReason, runScript, type ScriptIO } from "./cli";

/** What the workflow knows about the smoke step (`steps.smoke.outcome`). */
export type SmokeOutcome = "success" | "failure" | "cancelled" | "skipped";

const SMOKE_LINE: Record<SmokeOutcome, string> = {
  success: "✅ smoke test passed: anonymous calls refused (403), the deploy identity let through",
  failure: "❌ smoke test failed: see the workflow run",
  cancelled: "⚪ smoke test cancelled",
  skipped: "⚪ smoke test skipped",
};

/** Markdown for the sticky PR comment. */
export function renderPrStackComment(outputs: StackOutputs, stack: string, smoke: SmokeOutcome): string {
  const lines = [
    `### Stack \`${stack}\` is up`,
    "",
    `Project \`${outputs.project}\`, region \`${outputs.region}\`. ${SMOKE_LINE[smoke]}.`,
    "",
    ...serviceSection(outputs.services),
    ...jobSection(outputs.jobs),
    "Closing this pull request (or removing the `pr-stack` label) destroys the stack.",
  ];
  return lines.join("\n") + "\n";
}

function serviceSection(services: Record<string, ServiceOutputs>): string[] {
  const names = Object.keys(services).sort();
  if (names.length === 0) return [];
  return [
    "| Service | URL | Invokers |",
    "| --- | --- | --- |",
    ...names.map((name) => `| \`${name}\` | ${services[name].url} | ${memberList(services[name].invokers)} |`),
    "",
    ...names.flatMap((name) => callSnippet(name, services[name])),
  ];
}

function jobSection(jobs: Record<string, JobOutputs>): string[] {
  const names = Object.keys(jobs).sort();
  if (names.length === 0) return [];
  return [
    "| Job | Invokers | Run it |",
    "| --- | --- | --- |",
    ...names.map((name) => `| \`${name}\` | ${memberList(jobs[name].invokers)} | \`${jobs[name].smokeTest.commands.execute}\` |`),
    "",
  ];
}

function callSnippet(name: string, service: ServiceOutputs): string[] {
  return [
    `<details><summary>Call <code>${name}</code> as an invoker</summary>`,
    "",
    "```sh",
    service.smokeTest.commands.user,
    service.smokeTest.commands.serviceAccount,
    "```",
    "</details>",
    "",
  ];
}

function memberList(members: string[] | undefined): string {
  if (!members || members.length === 0) return "_none_";
  return members.map((member) => `\`${member.replace(/`/g, "")}\``).join("<br>");
}

function parseSmokeOutcome(raw: string | undefined): SmokeOutcome {
  if (raw && Object.hasOwn(SMOKE_LINE, raw)) return raw as SmokeOutcome;
  throw new Error(`--smoke: ${JSON.stringify(raw ?? "")} is not a step outcome; pass one of ${Object.keys(SMOKE_LINE).join(", ")} (e.g. --smoke "\${{ steps.smoke.outcome }}")`);
}

export function main(argv: string[], io: ScriptIO): void {
  const { values } = parseArgs({
    args: argv,
    // No default for --smoke: a comment must never say "passed" for a smoke test nobody reported on.
    options: { outputs: { type: "string" }, stack: { type: "string" }, smoke: { type: "string" } },
    strict: true,
  });
  if (!values.outputs || !values.stack) {
    throw new Error("--outputs FILE and --stack NAME are required (FILE from `pulumi stack output --json`)");
  }
  const smoke = parseSmokeOutcome(values.smoke);
  io.stdout(renderPrStackComment(readOutputs(values.outputs, io.cwd), values.stack, smoke));
}

function readOutputs(file: string, cwd: string): StackOutputs {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(resolve(cwd, file), "utf8"));
  } catch (error) {
    throw new Error(`--outputs: cannot read "${file}" as JSON (${fileErrorReason(error)}); write it with pulumi stack output --json --stack NAME > FILE`);
  }
  const parsed = stackOutputsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`--outputs: "${file}" is not this stack's outputs:\n${outputProblems(parsed.error).map((problem) => `  ${problem}`).join("\n")}\nwrite it with pulumi stack output --json --stack NAME > FILE`);
  }
  return parsed.data;
}

if (require.main === module) runScript(main);
