import type { Evaluation, RegisteredResource, StackConfig } from "../offline/types";
import { parsePlanArgs, USAGE, UsageError, type PlanOptions } from "./args";
import { diffEvaluations, renderDiff } from "./diff";
import { planDocument } from "./json";
import { renderMermaid } from "./mermaid";
import { hasMandatory, type Violation } from "./policyTypes";
import { renderPlan, renderVerdicts } from "./render";

/** Exit codes of `npm start` (documented in docs/plan.md). */
export const EXIT = { clean: 0, mandatoryPolicy: 1, invalidConfig: 2, rehearsalFailed: 3, unexpected: 4 } as const;

/** Where the plan writes; the entry point passes process.stdout/stderr, tests capture. */
export interface PlanIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** One problem of an invalid config, as the stack's ConfigError lists them. */
export interface ConfigProblem {
  path: string;
  value?: unknown;
  message: string;
}

/** What the rehearsal reports back: its table lines and whether every check passed. */
export interface RehearsalOutcome {
  ok: boolean;
  lines: string[];
}

/** The plan's collaborators (offline/evaluate.ts, policy/rules.ts, cli/rehearsal.ts), injected so tests can use fixtures. */
export interface PlanDeps {
  loadStackConfig(stackOrFile: string): Promise<{ stack: string; config: StackConfig }> | { stack: string; config: StackConfig };
  evaluateStack(input: { stack: string; config: StackConfig }): Promise<Evaluation>;
  evaluatePolicies(resources: RegisteredResource[], options: { stack: string }): Violation[] | Promise<Violation[]>;
  rehearse(evaluation: Evaluation, io: PlanIO): Promise<RehearsalOutcome>;
}

/** Thrown when a config is invalid; carries every problem so all of them are printed. */
class InvalidConfig extends Error {
  constructor(
    readonly target: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid config for "${target}"`);
  }
}

/**
 * Runs `npm start` with the given arguments and returns its exit code.
 * Never writes to stdout when the config or the arguments are invalid.
 */
export async function runPlan(argv: string[], deps: PlanDeps, io: PlanIO): Promise<number> {
  let options: PlanOptions;
  try {
    options = parsePlanArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n\n${USAGE}\n`);
    return EXIT.invalidConfig;
  }
  if (options.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.clean;
  }
  try {
    return await plan(options, deps, io);
  } catch (error) {
    if (error instanceof InvalidConfig) {
      io.stderr(renderProblems(error));
      return EXIT.invalidConfig;
    }
    io.stderr(`error: the plan stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unexpected;
  }
}

async function plan(options: PlanOptions, deps: PlanDeps, io: PlanIO): Promise<number> {
  const evaluation = await evaluate(options.target, deps);
  const other = options.diff === undefined ? undefined : await evaluate(options.diff, deps);
  const violations = await deps.evaluatePolicies(evaluation.resources, { stack: evaluation.stack });
  const otherViolations = other ? await deps.evaluatePolicies(other.resources, { stack: other.stack }) : [];
  const policyFailed = hasMandatory(violations) || hasMandatory(otherViolations);
  const policyExit = policyFailed ? EXIT.mandatoryPolicy : EXIT.clean;

  if (options.json) {
    const document = planDocument(evaluation, violations);
    const output = other ? { ...document, diff: diffEvaluations(evaluation, other) } : document;
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    return policyExit;
  }
  if (options.graph === "mermaid") {
    io.stdout(renderMermaid(evaluation.resources));
    // stdout stays a diagram only (pipe it into a .mmd file); the verdicts go to stderr.
    io.stderr(`${renderVerdicts(violations).join("\n")}\n`);
    return policyExit;
  }
  if (other) {
    const lines = [
      ...renderDiff(diffEvaluations(evaluation, other)),
      "",
      `[${evaluation.stack}] ${renderVerdicts(violations).join("\n")}`,
      `[${other.stack}] ${renderVerdicts(otherViolations).join("\n")}`,
    ];
    io.stdout(`${lines.join("\n")}\n`);
    return policyExit;
  }
  io.stdout(`${renderPlan(evaluation, violations).join("\n")}\n`);
  if (!options.rehearsal) return policyExit;
  io.stdout("\n");
  const rehearsal = await deps.rehearse(evaluation, io);
  io.stdout(`${rehearsal.lines.join("\n")}\n`);
  if (policyFailed) return EXIT.mandatoryPolicy;
  return rehearsal.ok ? EXIT.clean : EXIT.rehearsalFailed;
}

/** Loads and evaluates one stack; any config problem becomes InvalidConfig (exit 2). */
async function evaluate(target: string, deps: PlanDeps): Promise<Evaluation> {
  let loaded: { stack: string; config: StackConfig };
  try {
    loaded = await deps.loadStackConfig(target);
  } catch (error) {
    // A missing or unreadable file: its message already names the file and the fix.
    throw new InvalidConfig(target, problemsOf(error) ?? [{ path: "", message: messageOf(error) }]);
  }
  try {
    return await deps.evaluateStack(loaded);
  } catch (error) {
    const problems = problemsOf(error);
    if (problems) throw new InvalidConfig(target, problems);
    throw error;
  }
}

/** ConfigError (offline/evaluate.ts) carries `problems`; recognise it by shape, not by class identity. */
function problemsOf(error: unknown): ConfigProblem[] | undefined {
  const problems = (error as { problems?: unknown } | null)?.problems;
  return Array.isArray(problems) && problems.length > 0 ? (problems as ConfigProblem[]) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function renderProblems(error: InvalidConfig): string {
  const lines = error.problems.map((problem) => {
    const value = problem.value === undefined ? "" : ` ${JSON.stringify(problem.value)}`;
    return problem.path === "" ? `  ${problem.message}` : `  ${problem.path}:${value} ${problem.message}`;
  });
  return `error: ${error.message}: ${error.problems.length} problem(s), nothing was planned\n${lines.join("\n")}\n`;
}
