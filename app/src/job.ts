/**
 * Entry point of the Cloud Run job task (`node dist/job.js [URL…]`, the stack
 * deploys it with `command: [node, dist/job.js]`). Each task probes its
 * round-robin slice of the URLs, logs one JSON line per URL and a summary, and
 * exits 1 if any probe failed or the input is bad, so Cloud Run retries the
 * task (up to the job's maxRetries); exit 0 means its slice is healthy.
 */
import { ConfigError } from "./env";
import { createLogger, flushStdout, survivesClosedStdout, type Logger } from "./log";
import { probe, probeTargets, probeTimeoutMs, type ProbeResult } from "./probe";
import { shardOf, taskEnv, type TaskEnv } from "./task";
import { appVersion } from "./version";

async function main(): Promise<number> {
  survivesClosedStdout();
  let log: Logger = createLogger();
  let task: TaskEnv;
  let targets: URL[];
  let timeoutMs: number;
  try {
    task = taskEnv();
    targets = probeTargets(process.argv.slice(2), process.env);
    timeoutMs = probeTimeoutMs(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log("CRITICAL", error.message);
    return 1;
  }
  // Every line carries the task's coordinates so an execution's logs can be split per task.
  log = createLogger({ job: task.job, execution: task.execution, taskIndex: task.taskIndex, taskAttempt: task.taskAttempt, taskCount: task.taskCount });
  const mine = shardOf(targets, task.taskIndex, task.taskCount);
  log("INFO", "task started", { version: appVersion(), urlsTotal: targets.length, urlsInShard: mine.length, probeTimeoutMs: timeoutMs });
  if (targets.length === 0) {
    log("WARNING", "no URLs to probe: pass them as the job's args, or set JOB_URLS (comma- or space-separated)");
  }

  // Cloud Run sends SIGTERM when a task times out or the execution is cancelled.
  const cancel = new AbortController();
  process.once("SIGTERM", () => {
    log("WARNING", "SIGTERM: abandoning the remaining probes");
    cancel.abort();
  });

  const results: ProbeResult[] = [];
  for (const { index, item } of mine) {
    if (cancel.signal.aborted) break;
    const result = await probe(item, timeoutMs, cancel.signal);
    results.push(result);
    log(result.ok ? "INFO" : "ERROR", result.ok ? "probe passed" : "probe failed", { urlIndex: index, ...result });
  }
  const failed = results.filter((r) => !r.ok).length;
  const unfinished = mine.length - results.length;
  const passed = failed === 0 && unfinished === 0;
  log(passed ? "INFO" : "ERROR", passed ? "task succeeded" : "task failed", { probed: results.length, failed, unfinished });
  return passed ? 0 : 1;
}

main()
  .catch((error: unknown) => {
    createLogger()("CRITICAL", "job task crashed", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
    return 1;
  })
  .then(async (code) => {
    await flushStdout();
    process.exit(code);
  });
