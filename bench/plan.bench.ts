/**
 * `npx tsx bench/plan.bench.ts`: how the offline plan's time grows with the stack,
 * 1 → 50 workloads and 1 → 1,000 principals, as a ratio to the 1-workload /
 * 1-principal baseline measured in the same run (docs/plan.md, "Speed").
 *
 * Measured per case, in this process (no process start-up, no module loading: one
 * warm-up run pays that first): the evaluation of the real program under Pulumi's
 * mocks (`evaluateStack`), then what the plan does with it (policy rules, the --json
 * document, the resource tree and the Mermaid graph). Median of several runs.
 *
 * Then the whole `npm run plan -- --json` process, as a user runs it, for the dev
 * stack and for a large stack (20 services, 1,400 principals each: 28,000 grants),
 * alternating, as a ratio to the dev stack.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { planDocument } from "../plan/json";
import { renderMermaid } from "../plan/mermaid";
import { renderTree } from "../plan/tree";
import { evaluateStack } from "../offline/evaluate";
import { loadStackConfig } from "../config/stackFile";
import { evaluatePolicies } from "../policy/rules";
import type { StackConfig } from "../contract";

interface Case {
  label: string;
  workloads: number;
  principals: number;
}

const CASES: Case[] = [
  { label: "baseline", workloads: 1, principals: 1 },
  ...[5, 10, 25, 50].map((workloads) => ({ label: "workloads", workloads, principals: 1 })),
  ...[10, 100, 1_000].map((principals) => ({ label: "principals", workloads: 1, principals })),
];
/**
 * Rounds: each round runs every case once, so the baseline and the big cases see the
 * same machine load. No new round starts once another would pass the budget, so the
 * whole bench stays under 60 s even on a busy machine.
 */
const MAX_ROUNDS = 3;
const BUDGET_MS = 40_000;

/** The dev stack's config with `workloads` services sharing one image, each granting `principals` users. */
function configFor(base: StackConfig, { workloads, principals }: Case): StackConfig {
  const invokers = Array.from({ length: principals }, (_, index) => `user:person-${index}@example.com`);
  const config: StackConfig = { ...base, "private-cloud-run:principals": {} };
  delete config["private-cloud-run:jobs"];
  config["private-cloud-run:services"] = Array.from({ length: workloads }, (_, index) => ({
    name: `svc-${index + 1}`,
    source: "./app",
    ingress: "all",
    invokers,
  }));
  return config;
}

interface Timing {
  resources: number;
  evaluateMs: number;
  planMs: number;
}

async function timeOnce(config: StackConfig): Promise<Timing> {
  const started = performance.now();
  const evaluation = await evaluateStack({ stack: "bench", config });
  const evaluated = performance.now();
  const violations = evaluatePolicies(evaluation.resources, { stack: evaluation.stack });
  JSON.stringify(planDocument(evaluation, violations));
  renderTree(evaluation.resources);
  renderMermaid(evaluation.resources);
  const planned = performance.now();
  return { resources: evaluation.resources.length, evaluateMs: evaluated - started, planMs: planned - evaluated };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const { config: base } = loadStackConfig("dev");
  await timeOnce(configFor(base, CASES[0])); // warm-up: module loading and JIT, not measured
  const timings: Timing[][] = CASES.map(() => []);
  let lastRoundMs = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (round > 0 && performance.now() - benchStarted + lastRoundMs > BUDGET_MS) break;
    const roundStarted = performance.now();
    for (const [index, testCase] of CASES.entries()) timings[index].push(await timeOnce(configFor(base, testCase)));
    lastRoundMs = performance.now() - roundStarted;
  }
  const rows = CASES.map((testCase, index) => ({
    testCase,
    runs: timings[index].length,
    resources: timings[index][0].resources,
    evaluateMs: median(timings[index].map((timing) => timing.evaluateMs)),
    planMs: median(timings[index].map((timing) => timing.planMs)),
  }));
  const baseline = rows[0];
  const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;
  const lines = [
    "| case | workloads | principals | resources | runs | evaluate (ms, median) | evaluate / baseline | policies + render (ms) | policies + render / baseline |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (row) =>
        `| ${row.testCase.label} | ${row.testCase.workloads} | ${row.testCase.principals} | ${row.resources} | ${row.runs} | ${row.evaluateMs.toFixed(0)} | ${ratio(row.evaluateMs, baseline.evaluateMs)} | ${row.planMs.toFixed(1)} | ${ratio(row.planMs, baseline.planMs)} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n\nBaseline: 1 service, 1 principal (dev stack's project and region); total ${((performance.now() - benchStarted) / 1000).toFixed(1)} s, node ${process.version}.\n`);
  process.stdout.write(`\n${wholePlanTable(base)}\n`);
}

const PROJECT_DIR = path.join(__dirname, "..");
const LARGE = { services: 20, principals: 1_400 };
const WHOLE_PLAN_ROUNDS = 3;

/** `npm run plan -- --json --config FILE` for the dev stack and the large stack, alternating; wall-clock medians. */
function wholePlanTable(base: StackConfig): string {
  const dir = mkdtempSync(path.join(tmpdir(), "plan-bench-"));
  try {
    const large = path.join(dir, "Pulumi.large.yaml");
    const config = configFor(base, { label: "large", workloads: LARGE.services, principals: LARGE.principals });
    writeFileSync(large, stringify({ config }));
    const dev = path.join(PROJECT_DIR, "Pulumi.dev.yaml");
    const times: Record<"dev" | "large", number[]> = { dev: [], large: [] };
    for (let round = 0; round < WHOLE_PLAN_ROUNDS; round++) {
      times.dev.push(timePlanProcess(dev));
      times.large.push(timePlanProcess(large));
    }
    const devMs = median(times.dev);
    const largeMs = median(times.large);
    return [
      "| stack | grants | `npm run plan -- --json` (ms, median of 3) | / dev stack |",
      "| --- | ---: | ---: | ---: |",
      `| dev (Pulumi.dev.yaml) | as configured | ${devMs.toFixed(0)} | 1.00× |`,
      `| ${LARGE.services} services × ${LARGE.principals.toLocaleString("en")} principals | ${(LARGE.services * LARGE.principals).toLocaleString("en")} | ${largeMs.toFixed(0)} | ${(largeMs / devMs).toFixed(2)}× |`,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One plan process, as `npm run plan` starts it; a failing plan fails the bench. */
function timePlanProcess(configFile: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["--import", "tsx", "plan/plan.ts", "--no-rehearsal", "--json", "--config", configFile], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`plan of ${configFile} exited ${result.status}: ${result.stderr.slice(0, 500)}`);
  return performance.now() - started;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`plan bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
