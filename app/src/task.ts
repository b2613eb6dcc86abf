/**
 * A Cloud Run job task's identity and its share of the work. Cloud Run starts
 * CLOUD_RUN_TASK_COUNT copies of the container and gives each its index; each
 * task must pick a disjoint slice so that together they cover the list once.
 */
import { ConfigError, intFromEnv } from "./env";

/** What Cloud Run tells a job task about itself (defaults make a local run one task of one). */
export interface TaskEnv {
  /** CLOUD_RUN_JOB, or null when run outside Cloud Run. */
  job: string | null;
  /** CLOUD_RUN_EXECUTION, or null when run outside Cloud Run. */
  execution: string | null;
  /** CLOUD_RUN_TASK_INDEX: 0-based. */
  taskIndex: number;
  /** CLOUD_RUN_TASK_ATTEMPT: 0 on the first try, then 1, 2… on retries. */
  taskAttempt: number;
  /** CLOUD_RUN_TASK_COUNT: how many tasks share the work. */
  taskCount: number;
}

/** Cloud Run's upper bound on tasks per execution. */
export const MAX_TASK_COUNT = 10000;

/** Reads {@link TaskEnv}; throws {@link ConfigError} naming the variable, value and fix. */
export function taskEnv(env: NodeJS.ProcessEnv = process.env): TaskEnv {
  const taskCount = intFromEnv(env, "CLOUD_RUN_TASK_COUNT", 1, 1, MAX_TASK_COUNT, "Cloud Run sets it from the job's taskCount; unset it for a local run of one task");
  const taskIndex = intFromEnv(env, "CLOUD_RUN_TASK_INDEX", 0, 0, MAX_TASK_COUNT - 1, "Cloud Run sets it; unset it for a local run");
  if (taskIndex >= taskCount) {
    throw new ConfigError(`CLOUD_RUN_TASK_INDEX=${JSON.stringify(env.CLOUD_RUN_TASK_INDEX)} is not below CLOUD_RUN_TASK_COUNT=${taskCount}; the index must be 0..${taskCount - 1}`);
  }
  return {
    job: env.CLOUD_RUN_JOB?.trim() || null,
    execution: env.CLOUD_RUN_EXECUTION?.trim() || null,
    taskIndex,
    taskAttempt: intFromEnv(env, "CLOUD_RUN_TASK_ATTEMPT", 0, 0, 1000, "Cloud Run sets it; unset it for a local run"),
    taskCount,
  };
}

/**
 * The items task `taskIndex` of `taskCount` owns: every taskCount-th item
 * starting at taskIndex (round-robin, so slices differ in size by at most one
 * and every item belongs to exactly one task). Keeps each item's original index.
 */
export function shardOf<T>(items: readonly T[], taskIndex: number, taskCount: number): { index: number; item: T }[] {
  return items.map((item, index) => ({ index, item })).filter(({ index }) => index % taskCount === taskIndex);
}
