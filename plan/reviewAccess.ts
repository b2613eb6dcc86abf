/**
 * The access part of the pull-request review: for each stack, who gains or loses
 * what between the base branch and the pull request, each side planned with its OWN
 * program and config (a grant added in index.ts shows, not only one added in a stack
 * file). The head is planned in this process; the base in a checkout of the base
 * branch (`--base-dir`), as a child process running the base branch's own plan.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { renderAccess, type AccessView, type PrincipalAccess } from "./access";
import { diffAccessViews, renderAccessDiff } from "./accessDiff";
import type { PlanRun } from "./review";

/** An access view, or why there is none (named for the reader of the review). */
export type AccessResult = { view: AccessView } | { problem: string };

/** The hidden first line the sticky comment is recognised by is the action's; this is the comment's own title. */
export const COMMENT_TITLE = "### Access changes: who gains or loses what";

/** GitHub refuses a comment body over 65,536 characters: stay well under it. */
export const COMMENT_LIMIT = 60_000;

/**
 * The access view in a `--json --access` document's output, or the problem. Exit 1
 * (a mandatory policy failed) still lists the access: that is when it matters most.
 */
export function accessFromPlan(run: PlanRun, stack: string, side: string): AccessResult {
  let document: unknown;
  try {
    document = JSON.parse(run.output);
  } catch {
    const first = run.output.split("\n").find((line) => line.trim() !== "") ?? `exit ${run.code}`;
    return { problem: `${side}'s plan of ${stack} printed no access view (exit ${run.code}: ${first.slice(0, 300)})` };
  }
  const access = (document as { access?: unknown } | null)?.access;
  if (!Array.isArray(access)) return { problem: `${side}'s plan of ${stack} has no access view (its plan predates --access)` };
  return { view: { stack, principals: access as PrincipalAccess[] } };
}

/** The text block of one stack: the access diff, or the head's whole access when the base's is unknown. */
export function accessBlock(stack: string, baseRef: string, base: AccessResult | "new-stack", head: AccessResult): string[] {
  if ("problem" in head) return [`The pull request's access view of ${stack} could not be made: ${head.problem}`];
  const after = { ...head.view, stack: `${stack} in this PR` };
  if (base === "new-stack") return renderAccessDiff(diffAccessViews({ stack: `no ${stack} on ${baseRef}`, principals: [] }, after));
  if ("problem" in base) return [`Access before this PR unknown (${base.problem}); everything this PR's plan grants:`, ...renderAccess(after)];
  return renderAccessDiff(diffAccessViews({ ...base.view, stack: `${stack} on ${baseRef}` }, after));
}

/**
 * A fenced code block that `text` cannot close early: the fence is longer than any run
 * of backticks inside (the text comes from the pull request's own plan).
 */
export function fence(text: string): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const marks = "`".repeat(Math.max(3, longest + 1));
  return [`${marks}text`, text, marks];
}

/** The sticky comment: one block per stack, cut to GitHub's size limit with a pointer to the job summary. */
export function accessComment(baseRef: string, blocks: { stack: string; lines: string[] }[]): string {
  const header = [`${COMMENT_TITLE} (\`${baseRef}\` → this PR)`, ""];
  const footer = ["", "Offline plan (Pulumi mocks) of every IAM grant the program registers; the full plans are in the job summary of the `test` job."];
  let budget = COMMENT_LIMIT - [...header, ...footer].join("\n").length;
  const body: string[] = [];
  for (const { stack, lines } of blocks) {
    const kept: string[] = [];
    for (const line of lines) {
      if (budget - line.length - 200 < 0) {
        kept.push(`… ${lines.length - kept.length} more line(s): see the job summary`);
        break;
      }
      kept.push(line);
      budget -= line.length + 1;
    }
    body.push(`**\`${stack}\`**`, ...fence(kept.join("\n")), "");
  }
  return `${[...header, ...body, ...footer].join("\n")}\n`;
}

/**
 * The base branch's access view: its own plan (`plan/plan.ts`) run in `baseDir`, a
 * checkout of the base branch with its own node_modules. No shell; the stack name is
 * one argument.
 */
export function baseAccess(baseDir: string, stack: string): Promise<AccessResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join("plan", "plan.ts"), "--stack", stack, "--json", "--access", "--no-rehearsal"],
      { cwd: baseDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: "0" } },
      (error, stdout, stderr) => {
        const code = typeof (error as { code?: unknown } | null)?.code === "number" ? (error as { code: number }).code : error ? 4 : 0;
        resolve(accessFromPlan({ code, output: stdout || stderr }, stack, "the base branch"));
      },
    );
  });
}
