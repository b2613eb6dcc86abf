import { safeMessage } from "../client/redact";
import { EXIT as CLI_EXIT } from "../runner/cli";
import { ConfigError, show, type ConfigProblem, type Evaluation, type RegisteredResource, type StackConfig } from "../contract";
import { accessView, renderAccess } from "./access";
import { diffAccess, renderAccessDiff } from "./accessDiff";
import { parsePlanArgs, USAGE, UsageError, type PlanOptions } from "./args";
import { diffEvaluations, renderDiff } from "./diff";
import { planDocument } from "./json";
import { renderMermaid } from "./mermaid";
import { hasMandatory, type Violation } from "./policyTypes";
import { renderPlan, renderVerdicts } from "./render";

/** Exit codes of `npm start`: the CLIs' convention (docs/cli.md), plus 3 for a failed rehearsal. */
export const EXIT = {
  clean: CLI_EXIT.ok,
  mandatoryPolicy: CLI_EXIT.failed,
  invalidConfig: CLI_EXIT.usage,
  /** The plan's own: the local rehearsal found the lock not holding. */
  rehearsalFailed: 3,
  unexpected: CLI_EXIT.unexpected,
} as const;

/** Where the plan writes; the entry point passes process.stdout/stderr, tests capture. */
export interface PlanIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What the rehearsal reports back: its table lines and whether every check passed. */
export interface RehearsalOutcome {
  ok: boolean;
  lines: string[];
}

/** The plan's collaborators (offline/evaluate.ts, policy/rules.ts, plan/rehearsal.ts), injected so tests can use fixtures. */
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
    // Redacted: an error from deep inside an evaluation may quote an input, and inputs hold secrets.
    io.stderr(`error: the plan stopped unexpectedly: ${safeMessage(error)}\n`);
    return EXIT.unexpected;
  }
}

/** One evaluated stack and what the policy rules found on it. */
interface Planned {
  evaluation: Evaluation;
  violations: Violation[];
}

async function plan(options: PlanOptions, deps: PlanDeps, io: PlanIO): Promise<number> {
  const base = await evaluate(options.target, deps);
  const other = options.diff === undefined ? undefined : await evaluate(options.diff, deps);
  const planned = await withPolicies(base, deps);
  const otherPlanned = other ? await withPolicies(other, deps) : undefined;
  const policyFailed = hasMandatory(planned.violations) || hasMandatory(otherPlanned?.violations ?? []);

  if (options.json) printJson(planned, otherPlanned, options.access, io);
  else if (options.graph === "mermaid") printGraph(planned, io);
  else if (options.access) printAccess(planned, otherPlanned, io);
  else if (otherPlanned) printDiff(planned, otherPlanned, io);
  else io.stdout(`${renderPlan(planned.evaluation, planned.violations).join("\n")}\n`);

  const rehearsal = options.rehearsal ? await rehearseAfterPlan(planned.evaluation, deps, io) : undefined;
  if (policyFailed) return EXIT.mandatoryPolicy;
  return rehearsal === undefined || rehearsal.ok ? EXIT.clean : EXIT.rehearsalFailed;
}

async function withPolicies(evaluation: Evaluation, deps: PlanDeps): Promise<Planned> {
  return { evaluation, violations: await deps.evaluatePolicies(evaluation.resources, { stack: evaluation.stack }) };
}

/** Exactly one document on stdout; with --diff it gains a `diff` key, with --access an `access` key (and `accessDiff` with both). */
function printJson(planned: Planned, other: Planned | undefined, access: boolean, io: PlanIO): void {
  const document = planDocument(planned.evaluation, planned.violations);
  const output = {
    ...document,
    ...(other ? { diff: diffEvaluations(planned.evaluation, other.evaluation) } : {}),
    ...(access ? { access: accessView(planned.evaluation).principals } : {}),
    ...(access && other ? { accessDiff: diffAccess(planned.evaluation, other.evaluation) } : {}),
  };
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
}

/** Who can reach what (or, with --diff, who gains or loses what), then the verdicts. */
function printAccess(planned: Planned, other: Planned | undefined, io: PlanIO): void {
  const lines = other
    ? [
        ...renderAccessDiff(diffAccess(planned.evaluation, other.evaluation)),
        "",
        `[${planned.evaluation.stack}] ${renderVerdicts(planned.violations).join("\n")}`,
        `[${other.evaluation.stack}] ${renderVerdicts(other.violations).join("\n")}`,
      ]
    : [...renderAccess(accessView(planned.evaluation)), "", ...renderVerdicts(planned.violations)];
  io.stdout(`${lines.join("\n")}\n`);
}

/** stdout stays a diagram only (pipe it into a .mmd file); the verdicts go to stderr. */
function printGraph(planned: Planned, io: PlanIO): void {
  io.stdout(renderMermaid(planned.evaluation.resources));
  io.stderr(`${renderVerdicts(planned.violations).join("\n")}\n`);
}

/** The reviewer's view, then both sides' verdicts. */
function printDiff(planned: Planned, other: Planned, io: PlanIO): void {
  const lines = [
    ...renderDiff(diffEvaluations(planned.evaluation, other.evaluation)),
    "",
    `[${planned.evaluation.stack}] ${renderVerdicts(planned.violations).join("\n")}`,
    `[${other.evaluation.stack}] ${renderVerdicts(other.violations).join("\n")}`,
  ];
  io.stdout(`${lines.join("\n")}\n`);
}

async function rehearseAfterPlan(evaluation: Evaluation, deps: PlanDeps, io: PlanIO): Promise<RehearsalOutcome> {
  io.stdout("\n");
  const rehearsal = await deps.rehearse(evaluation, io);
  io.stdout(`${rehearsal.lines.join("\n")}\n`);
  return rehearsal;
}

/** Loads and evaluates one stack; any config problem becomes InvalidConfig (exit 2). */
async function evaluate(target: string, deps: PlanDeps): Promise<Evaluation> {
  let loaded: { stack: string; config: StackConfig };
  try {
    loaded = await deps.loadStackConfig(target);
  } catch (error) {
    // The loader names the file, the place and the fix; an I/O error says what the OS said.
    throw new InvalidConfig(target, error instanceof ConfigError ? error.problems : [{ path: "", message: safeMessage(error) }]);
  }
  try {
    return await deps.evaluateStack(loaded);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidConfig(target, error.problems);
    throw error;
  }
}

function renderProblems(error: InvalidConfig): string {
  const lines = error.problems.map((problem) => {
    const value = problem.value === undefined ? "" : ` ${show(problem.value)}`;
    return problem.path === "" ? `  ${problem.message}` : `  ${problem.path}:${value} ${problem.message}`;
  });
  return `error: ${error.message}: ${error.problems.length} problem(s), nothing was planned\n${lines.join("\n")}\n`;
}
