/**
 * The repository's own stacks (Pulumi.dev.yaml, Pulumi.prod.yaml) evaluated once per
 * jest run and shared by every suite that only reads them. Loading Pulumi and the
 * program costs a test file ~1–2 CPU-seconds; the first suite to ask evaluates both
 * stacks and writes them to the run's directory (jest.config.js's globalSetup), and
 * every other suite, in any worker, reads them back (plain JSON, the same values).
 *
 * Use it when a test reads an evaluation of an unchanged stack file; evaluate in the
 * test (offline/evaluate.ts) when it changes the config, the mocks or the program.
 * Outside jest (no directory) it evaluates in-process.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Evaluation } from "../../contract";

export type SharedStack = "dev" | "prod";
const STACKS: SharedStack[] = ["dev", "prod"];
/** Longer than one evaluation takes on a loaded machine; after it, a suite evaluates for itself. */
const WAIT_MS = 120_000;
const POLL_MS = 50;

/** The evaluation of the repository's `stack` file. Each call returns a fresh copy: change it freely. */
export async function sharedEvaluation(stack: SharedStack): Promise<Evaluation> {
  const dir = process.env.PCR_SHARED_EVALUATIONS_DIR;
  if (!dir) return (await evaluateAll())[stack];
  const file = join(dir, `${stack}.json`);
  if (!existsSync(file)) await produce(dir);
  return JSON.parse(readFileSync(file, "utf8")) as Evaluation;
}

/** One worker evaluates (it holds the lock directory); the others wait for the files. */
async function produce(dir: string): Promise<void> {
  const lock = join(dir, "lock");
  let holder = false;
  try {
    mkdirSync(lock);
    holder = true;
  } catch {
    if (await appears(join(dir, `${STACKS[STACKS.length - 1]}.json`))) return;
  }
  try {
    const evaluations = await evaluateAll();
    for (const stack of STACKS) {
      // Written whole, then renamed: a reader never sees half a file.
      const file = join(dir, `${stack}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify(evaluations[stack]));
      renameSync(`${file}.tmp`, file);
    }
  } finally {
    if (holder) rmSync(lock, { recursive: true, force: true });
  }
}

async function appears(file: string): Promise<boolean> {
  for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
    if (existsSync(file)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

async function evaluateAll(): Promise<Record<SharedStack, Evaluation>> {
  const [{ evaluateStack }, { loadStackConfig }] = await Promise.all([import("../../offline/evaluate"), import("../../config/stackFile")]);
  const evaluations = {} as Record<SharedStack, Evaluation>;
  for (const stack of STACKS) evaluations[stack] = await evaluateStack(loadStackConfig(stack));
  return evaluations;
}
