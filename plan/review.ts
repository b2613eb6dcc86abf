/**
 * The pull-request review of the stacks, for the pull-request workflow's job summary:
 * for each stack, who gains or loses what (base branch → head, each planned with its
 * own program and config), the base branch's config diffed against the head's
 * (informational) and the head's own plan (the gate: its exit code fails the job). The
 * access changes also go to a file for the sticky PR comment (`--comment`).
 *
 *   node --import tsx plan/review.ts --base-ref main --base-dir "$RUNNER_TEMP/base" \
 *     --stack dev --stack prod --summary "$GITHUB_STEP_SUMMARY" --comment "$RUNNER_TEMP/access-review/comment.md"
 *
 * Every plan runs in this process (runPlan, as `npm run plan` does), so the whole review
 * is tested in-process with its collaborators injected (test/plan/review.suite.ts).
 */
import { execFile } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { argumentError, EXIT, runMain, UsageError } from "../runner/cli";
import { accessBlock, accessComment, accessFromPlan, baseAccess, fence, type AccessResult } from "./reviewAccess";

/** What one plan run printed (stdout and stderr in the order written) and its exit code. */
export interface PlanRun {
  code: number;
  output: string;
}

/** The review's collaborators; the CLI passes the real ones, tests fakes. */
export interface ReviewDeps {
  /** Whether the head has this stack file (`Pulumi.<stack>.yaml` in the working tree). */
  headHas(file: string): boolean;
  /** The file's text on the base branch, or undefined when the base branch has no such file. */
  readBase(file: string): Promise<string | undefined>;
  /** Runs the plan with these arguments (as after `npm run plan --`). */
  plan(argv: string[]): Promise<PlanRun>;
  /** The base branch's access view of a stack, from the base branch's own program and config. */
  baseAccess(stack: string): Promise<AccessResult>;
}

/** The review: Markdown for the job summary and the PR comment, what to print in the log, and the exit code. */
export interface Review {
  summary: string;
  /** The sticky comment's Markdown: the access changes of every stack. */
  comment: string;
  log: string;
  code: number;
}

/**
 * Reviews each stack: "### Offline plan" heading, who gains or loses what, the base →
 * head config diff (or "New stack"), the head's plan folded in a <details>. The exit
 * code is the last failing head plan's (1: a mandatory policy failed, 2: invalid
 * config); a failing diff or access view never fails the review.
 */
export async function reviewStacks(options: { baseRef: string; stacks: string[]; workDir: string }, deps: ReviewDeps): Promise<Review> {
  const summary: string[] = [];
  const log: string[] = [];
  const accessBlocks: { stack: string; lines: string[] }[] = [];
  let code: number = EXIT.ok;
  for (const stack of options.stacks) {
    const headFile = `Pulumi.${stack}.yaml`;
    if (!deps.headHas(headFile)) continue;
    summary.push(`### Offline plan: \`${stack}\` (\`${options.baseRef}\` → this PR)`);
    const access = await accessChanges(stack, options.baseRef, deps);
    accessBlocks.push({ stack, lines: access });
    summary.push("", "**Access: who gains or loses what**", "", ...fence(access.join("\n")), "", "**Config diff**", "");
    summary.push(...(await baseDiff(headFile, options, deps)));
    const head = await deps.plan(["--stack", stack]);
    summary.push(`<details><summary>Full plan of ${stack} (exit ${head.code})</summary>`, "", ...fence(fenced(head.output).join("")), "</details>");
    if (head.code !== EXIT.ok) {
      log.push(head.output);
      code = head.code;
    }
  }
  return { summary: joinLines(summary), comment: accessComment(options.baseRef, accessBlocks), log: log.join(""), code };
}

/** Base → head access changes of one stack, as text lines; the base side is empty for a new stack. */
async function accessChanges(stack: string, baseRef: string, deps: ReviewDeps): Promise<string[]> {
  const headRun = await deps.plan(["--stack", stack, "--json", "--access"]);
  const head = accessFromPlan(headRun, stack, "this PR");
  const base = (await deps.readBase(`Pulumi.${stack}.yaml`)) === undefined ? "new-stack" : await deps.baseAccess(stack);
  return accessBlock(stack, baseRef, base, head);
}

/**
 * Informational: what this PR changes, before = the base branch, after = the head. The
 * base file keeps its name (`Pulumi.<stack>.yaml`): the loader takes the stack name from it.
 */
async function baseDiff(headFile: string, options: { baseRef: string; workDir: string }, deps: ReviewDeps): Promise<string[]> {
  const base = await deps.readBase(headFile);
  if (base === undefined) return [`New stack: no ${headFile} on ${options.baseRef}.`];
  const baseFile = join(options.workDir, headFile);
  writeFileSync(baseFile, base);
  const diff = await deps.plan(["--config", baseFile, "--diff", headFile]);
  return fence(fenced(diff.output).join(""));
}

/** The output's lines, without the trailing newline (the fence closes on its own line). */
function fenced(output: string): string[] {
  return output === "" ? [] : [output.replace(/\n$/, "")];
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * The real collaborators: the working tree, `git show origin/<base>:<file>`, runPlan in
 * this process, and the base branch's own plan in `baseDir` (a checkout of it).
 */
export function reviewDeps(baseRef: string, baseDir?: string): ReviewDeps {
  return {
    baseAccess: async (stack) => (baseDir ? baseAccess(baseDir, stack) : { problem: "no checkout of the base branch was given (--base-dir)" }),
    headHas: (file) => existsSync(file),
    readBase: (file) =>
      new Promise((resolve) => execFile("git", ["show", `origin/${baseRef}:${file}`], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => resolve(error ? undefined : stdout))),
    plan: async (argv) => {
      const [{ runPlan }, { planDeps }] = await Promise.all([import("./run"), import("./deps")]);
      let output = "";
      const write = (text: string) => {
        output += text;
      };
      // A JSON document is read back: keep stderr out of it.
      const json = argv.includes("--json");
      const code = await runPlan([...argv, "--no-rehearsal"], { ...planDeps, rehearse: async () => ({ ok: true, lines: [] }) }, { stdout: write, stderr: json ? () => undefined : write });
      return { code, output };
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const { baseRef, baseDir, stacks, summaryFile, commentFile } = parseReviewArgs(argv);
  const workDir = mkdtempSync(join(process.env.RUNNER_TEMP ?? tmpdir(), "plan-review-"));
  try {
    const review = await reviewStacks({ baseRef, stacks, workDir }, reviewDeps(baseRef, baseDir));
    appendFileSync(summaryFile, review.summary);
    if (commentFile) {
      mkdirSync(dirname(commentFile), { recursive: true });
      writeFileSync(commentFile, review.comment);
    }
    // A failing plan is also shown in the log, not only in the summary.
    process.stdout.write(review.log);
    return review.code;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** `--base-ref REF --stack NAME… --summary FILE`, all required; `--base-dir DIR` and `--comment FILE` optional. */
export function parseReviewArgs(argv: string[]): { baseRef: string; baseDir?: string; stacks: string[]; summaryFile: string; commentFile?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        "base-ref": { type: "string" },
        "base-dir": { type: "string" },
        stack: { type: "string", multiple: true },
        summary: { type: "string" },
        comment: { type: "string" },
      },
    }));
  } catch (error) {
    throw argumentError(error, "node --import tsx plan/review.ts -- --base-ref main", "plan/review.ts");
  }
  const baseRef = values["base-ref"];
  // git gets it as one argument after "origin/" (no shell, never an option): any branch name is safe.
  if (!baseRef) throw new UsageError("--base-ref is required", "pass the pull request's base branch, e.g. --base-ref main");
  if (!values.stack?.length) throw new UsageError("no --stack given", "pass each stack to review, e.g. --stack dev --stack prod");
  if (!values.summary) throw new UsageError("--summary FILE is required", 'pass the job summary file, e.g. --summary "$GITHUB_STEP_SUMMARY"');
  return {
    baseRef,
    stacks: values.stack,
    summaryFile: values.summary,
    ...(values["base-dir"] ? { baseDir: values["base-dir"] } : {}),
    ...(values.comment ? { commentFile: values.comment } : {}),
  };
}

if (require.main === module) runMain("review", main);
