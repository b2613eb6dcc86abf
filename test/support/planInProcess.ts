/**
 * The plan CLI in-process: the same runPlan and the same real collaborators
 * (stack files, the program under mocks, the policy rules, the rehearsal) that
 * `npm start` runs, with stdout and stderr captured. Use it for the plan's
 * behaviour; a child process (test/plan/cliProcess.ts) only for what needs one
 * (signals, leftover processes), as each pays Node, tsx and the Pulumi import again.
 */
import { planDeps } from "../../plan/deps";
import { runPlan } from "../../plan/run";

export interface PlanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm start -- ARGV` in this process and collects its exit code and output. */
export async function planInProcess(argv: string[]): Promise<PlanResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runPlan(argv, planDeps, { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
