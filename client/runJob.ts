/**
 * `runJob()`: start a Cloud Run job execution through the Cloud Run Admin API v2
 * (jobs have no URL; `POST …/jobs/J:run` with an OAuth access token) and
 * optionally wait on the long-running operation it returns.
 */
import { JobError, UsageError } from "./errors";
import { AccessTokenSource } from "./idTokens";
import { redact } from "./redact";
import { nextDelayMs, resolveRetryOptions, retryAfterMs, RetryOptions, TRANSIENT_STATUSES } from "./retry";
import { sleepFor, withTimeout } from "./timeout";
import { defaultTokenSource } from "./invoke";

/** Cloud Run Admin API base. Tests point it at the emulator. */
export const DEFAULT_RUN_API = "https://run.googleapis.com";

/** Which job to run. */
export interface JobRef {
  project: string;
  region: string;
  name: string;
}

/**
 * Container overrides for one execution. Needs run.jobs.runWithOverrides on the job
 * (roles/run.jobsExecutorWithOverrides, or roles/run.developer); roles/run.invoker and
 * roles/run.jobsExecutor only give run.jobs.run. Overriding env or args lets the caller
 * run code of its choosing as the job's service account.
 */
export interface JobOverrides {
  containerOverrides?: { name?: string; args?: string[]; env?: { name: string; value: string }[]; clearArgs?: boolean }[];
  taskCount?: number;
  timeout?: string;
}

/** Progress of a wait, for live displays. */
export interface JobProgress {
  operation: string;
  done: boolean;
  polls: number;
  elapsedMs: number;
}

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** Access-token source (cloud-platform scope). @default the process-wide ADC source */
  tokens?: AccessTokenSource;
  /** Cloud Run Admin API base. @default "https://run.googleapis.com" */
  apiBase?: string;
  overrides?: JobOverrides;
  /** Wait for the execution to finish. Needs run.operations.get (e.g. roles/run.viewer). @default false */
  wait?: boolean;
  /** Bound on the wait. @default 600 000 ms */
  waitTimeoutMs?: number;
  /**
   * Longest delay between polls. The first poll comes after 0.5 s (or this, if shorter) and
   * the delay doubles up to this, so a short execution is reported about as soon as it ends.
   * @default 2 000 ms
   */
  pollIntervalMs?: number;
  /** Timeout of each HTTP request. @default 30 000 ms */
  requestTimeoutMs?: number;
  onProgress?: (progress: JobProgress) => void;
  /**
   * Retries of each Admin API request, with the same jittered backoff as invoke():
   * 429 and 503 always (the API did not act on the request); 502, 504 and network
   * failures only while polling (a GET), never for `:run` (the execution may have started).
   * @default 4 attempts within 30 s per request
   */
  retry?: Omit<RetryOptions, "retryForbidden">;
  fetch?: typeof fetch;
  /** Sleep implementation (tests). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** What happened. `succeeded` is undefined when not waited for. */
export interface RunJobResult {
  job: string;
  /** "projects/P/locations/R/operations/ID" */
  operation: string;
  done: boolean;
  succeeded?: boolean;
  /** The finished Execution's name and counts, when waited for. */
  execution?: { name?: string; succeededCount?: number; failedCount?: number; completionTime?: string };
}

interface Operation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: { name?: string; succeededCount?: number; failedCount?: number; completionTime?: string };
}

const NAME = /^[a-z0-9][a-z0-9-]*$/i;

/** "projects/P/locations/R/jobs/J", validated. */
export function jobResourceName(job: JobRef): string {
  for (const key of ["project", "region", "name"] as const) {
    if (!NAME.test(job[key] ?? "")) {
      throw new UsageError(`job.${key}: ${JSON.stringify(job[key])} is not a valid ${key}`, "use the lowercase id shown by gcloud run jobs list (letters, digits, hyphens)");
    }
  }
  return `projects/${job.project}/locations/${job.region}/jobs/${job.name}`;
}

/**
 * Runs a job; with `wait`, resolves when the execution finished (succeeded or
 * not: check `succeeded`) and throws a JobError on refusals and timeouts.
 */
export async function runJob(job: JobRef, options: RunJobOptions = {}): Promise<RunJobResult> {
  const resource = jobResourceName(job);
  const api = (options.apiBase ?? DEFAULT_RUN_API).replace(/\/+$/, "");
  const tokens = options.tokens ?? defaultTokenSource();
  const request = requester(options, tokens);

  const started = await request("POST", `${api}/v2/${resource}:run`, options.overrides ? { overrides: options.overrides } : {});
  if (!started.ok) throw refusal("run", started.status, started.body, resource, undefined, options.overrides !== undefined);
  let operation = started.body as Operation;
  if (!options.wait) return { job: resource, operation: operation.name, done: operation.done === true, ...outcomeOf(operation) };

  const began = Date.now();
  const bound = options.waitTimeoutMs ?? 600_000;
  const longest = options.pollIntervalMs ?? 2_000;
  let delay = 0;
  // Bounded: at most bound/longest polls plus the few shorter first ones.
  for (let polls = 1; !operation.done; polls++) {
    if (Date.now() - began >= bound) {
      throw new JobError(`${resource}: execution still running after ${Math.round(bound / 1000)}s`, "raise the wait bound (--timeout) or follow it with gcloud run jobs executions list", undefined, operation.name);
    }
    delay = nextPollDelayMs(delay, longest);
    await sleepFor(delay);
    const polled = await request("GET", `${api}/v2/${operation.name}`);
    if (!polled.ok) throw refusal("poll", polled.status, polled.body, resource, operation.name);
    operation = polled.body as Operation;
    options.onProgress?.({ operation: operation.name, done: operation.done === true, polls, elapsedMs: Date.now() - began });
  }
  return { job: resource, operation: operation.name, done: true, ...outcomeOf(operation) };
}

/** The first poll's delay, when the longest delay between polls is more. */
export const FIRST_POLL_MS = 500;

/**
 * The delay before the next poll, after one of `previousMs` (0 before the first):
 * FIRST_POLL_MS, then doubling, never more than `longestMs`.
 */
export function nextPollDelayMs(previousMs: number, longestMs: number): number {
  return Math.min(longestMs, previousMs === 0 ? FIRST_POLL_MS : previousMs * 2);
}

function outcomeOf(operation: Operation): Pick<RunJobResult, "succeeded" | "execution"> {
  if (!operation.done) return {};
  if (operation.error) return { succeeded: false, execution: operation.response };
  const execution = operation.response ?? {};
  return { succeeded: (execution.failedCount ?? 0) === 0, execution };
}

interface ApiResponse {
  ok: boolean;
  status: number;
  body: unknown;
}

/** Statuses after which a `:run` POST is safe to repeat: the API refused before acting. */
const NOT_ACTED_ON: ReadonlySet<number> = new Set([429, 503]);

function requester(options: RunJobOptions, tokens: AccessTokenSource) {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? sleepFor;
  const policy = resolveRetryOptions({ ...options.retry, retryForbidden: false });
  const timeoutMs = options.requestTimeoutMs ?? 30_000;

  const once = async (method: "GET" | "POST", url: string, body?: unknown): Promise<Response | string> => {
    const token = await withTimeout(tokens.getAccessToken(), timeoutMs, "an access token");
    try {
      return await doFetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        // The access token is for the Admin API's origin only, and the API does not
        // redirect: a 3xx comes back as a refusal instead of carrying the token on.
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  };

  return async (method: "GET" | "POST", url: string, body?: unknown): Promise<ApiResponse> => {
    const started = Date.now();
    // Bounded: nextDelayMs() ends the loop at maxAttempts or the deadline.
    for (let attempt = 1; ; attempt++) {
      const outcome = await once(method, url, body);
      const retryable = typeof outcome === "string" ? method === "GET" : method === "GET" ? TRANSIENT_STATUSES.has(outcome.status) : NOT_ACTED_ON.has(outcome.status);
      const retryAfter = typeof outcome === "string" ? undefined : retryAfterMs(outcome.headers.get("retry-after"));
      const delay = retryable ? nextDelayMs({ attempt, elapsedMs: Date.now() - started, retryAfter }, policy) : undefined;
      if (delay === undefined) {
        if (typeof outcome === "string") {
          throw new JobError(`${method} ${url} failed after ${attempt} attempt(s): ${outcome}`, "check the network and the API endpoint (PCR_RUN_API)", undefined);
        }
        const text = await outcome.text();
        const location = outcome.headers.get("location");
        return { ok: outcome.ok, status: outcome.status, body: location === null ? (parseJson(text) ?? text) : { redirectedTo: location } };
      }
      if (typeof outcome !== "string") await outcome.body?.cancel().catch(() => undefined);
      await sleep(delay);
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Explains a refusal of the Admin API, by phase and status. */
export function refusal(phase: "run" | "poll", status: number, body: unknown, job: string, operation?: string, withOverrides = false): JobError {
  const apiMessage = redact(typeof body === "object" && body !== null ? String((body as { error?: { message?: string } }).error?.message ?? JSON.stringify(body)) : String(body)).slice(0, 300);
  const prefix = `${phase === "run" ? "starting" : "waiting on"} ${job}: HTTP ${status}${apiMessage ? ` (${apiMessage})` : ""}`;
  let hint: string;
  if (status === 401) hint = "the access token was rejected: refresh your credentials (gcloud auth application-default login) and use an OAuth access token, not an ID token";
  else if (status === 403 && phase === "poll")
    hint = "the job started, but waiting on it needs run.operations.get, which roles/run.invoker lacks: grant roles/run.viewer on the project, or run without waiting";
  else if (status === 403 && withOverrides)
    hint =
      "overrides need run.jobs.runWithOverrides on the job (roles/run.jobsExecutorWithOverrides, or roles/run.developer); roles/run.invoker and roles/run.jobsExecutor do not include it. " +
      "Run without overrides, or set the job's invokerRole to roles/run.jobsExecutorWithOverrides, knowing that it lets the caller set env and args, i.e. run code as the job's service account";
  else if (status === 403) hint = "the caller lacks run.jobs.run on this job: add it to the job's invokers (roles/run.invoker or roles/run.jobsExecutor) and run pulumi up; grants take a few minutes to propagate";
  else if (status === 404) hint = `no such job: check project, region and name (${listJobsCommand(job)})`;
  else if (status >= 300 && status < 400)
    hint = "the API answered with a redirect, which is not followed (the access token goes to the API's own origin only): check the API base (PCR_RUN_API)";
  else if (status === 429) hint = "the Cloud Run Admin API is rate-limiting this project (retried with backoff): retry later, or raise the quota (Cloud Run Admin API requests per minute)";
  else hint = "retry later; if it persists, check the Cloud Run status dashboard";
  return new JobError(prefix, hint, status, operation);
}

/** `gcloud run jobs list` for the project and region of "projects/P/locations/R/jobs/J". */
function listJobsCommand(job: string): string {
  const [, project, , region] = job.split("/");
  return `gcloud run jobs list --region ${region} --project ${project}`;
}
