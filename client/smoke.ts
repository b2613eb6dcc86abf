/**
 * The smoke checks, as a library: the CLI (client/cli/smoke.ts) and the local
 * rehearsal of `npm start` both call these and get a structured report.
 *
 * A service passes when: no token → 403 (it is private); an outsider's ID token
 * (when given) → 403; the caller's ID token in Authorization → 2xx; the same
 * token in X-Serverless-Authorization beside an unrelated Authorization → 2xx.
 * A service whose ingress is not "all" cannot be reached from outside its VPC:
 * it is reported as not reachable from here (not a failure) unless the caller
 * says it runs inside. Jobs: client/jobChecks.ts.
 */
import { claimsOf } from "./diagnose";
import { ClientError } from "./errors";
import { HeaderMode } from "./headers";
import { AccessTokenSource, IdTokenSource } from "./idTokens";
import { AttemptInfo, invoke } from "./invoke";
import { checkJob, type JobCheckOptions } from "./jobChecks";
import { ServiceTarget, SmokeTargets } from "./outputs";
import { safeMessage } from "./redact";

export { checkJob };
export type { JobCheckOptions };

/** Names of the checks, stable for machine readers. */
export type CheckName =
  | "anonymous-is-refused"
  | "outsider-is-refused"
  | "authorization-header"
  | "x-serverless-authorization-header"
  | "anonymous-run-refused"
  | "outsider-run-refused"
  | "invoker-may-run"
  | "job-execution";

/** What the smoke test says of a service it cannot reach from where it runs. */
export const NOT_REACHABLE = "not reachable from here: run from inside the VPC";

/** One check's outcome. No token text, ever. */
export interface CheckResult {
  check: CheckName;
  passed: boolean;
  /** Last HTTP status seen, if any. */
  status?: number;
  attempts: number;
  elapsedMs: number;
  /** What happened, one line. */
  message: string;
  /** What to do next when it failed. */
  hint?: string;
}

export interface ServiceReport {
  kind: "service";
  name: string;
  url: string;
  audience: string;
  path: string;
  /** The service's ingress, from the stack outputs. */
  ingress: ServiceTarget["ingress"];
  /** Caller identity (the ID token's email claim), when known. */
  caller?: string;
  /** Set when nothing was checked because the service is not reachable from here (internal ingress); passed is then true. */
  skipped?: string;
  passed: boolean;
  checks: CheckResult[];
}

export interface JobReport {
  kind: "job";
  name: string;
  job: string;
  /** Whether the job was executed (its `smokeRun`); otherwise only its IAM was checked. */
  run: boolean;
  passed: boolean;
  checks: CheckResult[];
}

/** The whole run. */
export interface SmokeReport {
  passed: boolean;
  startedAt: string;
  elapsedMs: number;
  services: ServiceReport[];
  jobs: JobReport[];
}

/** Live progress of one check. */
export interface ProgressEvent {
  target: string;
  check: CheckName;
  attempt: number;
  elapsedMs: number;
  status?: number;
  done: boolean;
}

/** Options shared by the service checks. */
export interface ServiceCheckOptions {
  /** ID tokens for the caller. */
  tokens: IdTokenSource;
  /** Only this mode's check (plus the anonymous one). @default both modes */
  headerMode?: Exclude<HeaderMode, "auto">;
  /** ID tokens of a principal that holds no grant: it must get 403. */
  outsider?: IdTokenSource;
  /** The smoke test runs inside the service's VPC: check internal services too. @default false */
  insideVpc?: boolean;
  /** Bound on waiting for IAM propagation (403 retried with backoff). @default 600 000 ms */
  propagationTimeoutMs?: number;
  /** Per-request timeout. @default 30 000 ms */
  requestTimeoutMs?: number;
  /** Backoff tuning (tests): first ceiling and largest ceiling. @default 1 000 / 15 000 ms */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/**
 * An `Authorization` value that is not a Google token, standing in for the app's
 * own credential in the X-Serverless-Authorization check.
 */
export const UNRELATED_AUTHORIZATION = "Bearer app-own-credential-not-a-google-token";

/** Runs every check of one service and returns its report; never throws for a failed check. */
export async function checkService(target: ServiceTarget, options: ServiceCheckOptions): Promise<ServiceReport> {
  const report = { kind: "service" as const, name: target.name, url: target.url, audience: target.audience, path: target.path, ingress: target.ingress };
  if (target.ingress !== "all" && !options.insideVpc) {
    // Cloud Run answers an internal service only from inside its VPC (or through the load balancer):
    // from a CI runner or a laptop every check would fail for a reason that is not the lock.
    return { ...report, skipped: `${NOT_REACHABLE} (ingress ${target.ingress}); pass --inside-vpc when running there`, passed: true, checks: [] };
  }
  const url = new URL(target.path, target.url).toString();
  const checks: CheckResult[] = [await checkAnonymous(target, url, options)];
  if (options.outsider) checks.push(await checkOutsider(target, url, options.outsider, options));
  const modes = options.headerMode ? [options.headerMode] : (["authorization", "x-serverless"] as const);
  for (const mode of modes) checks.push(await checkWithToken(target, url, mode, options));
  return { ...report, caller: await callerEmail(options.tokens, target.audience), passed: checks.every((check) => check.passed), checks };
}

/**
 * A principal that holds no grant must be refused with 403, at once: it never
 * had the role, so there is no propagation to wait for. A 2xx means the lock is
 * open to someone it should not be (a group or project grant, or a public one).
 */
async function checkOutsider(target: ServiceTarget, url: string, outsider: IdTokenSource, options: ServiceCheckOptions): Promise<CheckResult> {
  const check: CheckName = "outsider-is-refused";
  const started = Date.now();
  let status: number | undefined;
  try {
    const response = await invoke(url, {}, {
      tokens: outsider,
      audience: target.audience,
      headerMode: "authorization",
      timeoutMs: options.requestTimeoutMs,
      retry: { maxAttempts: 1 },
      onRefusal: "return",
      fetch: options.fetch,
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const { message, hint } = describeFailure(error);
    return { check, passed: false, attempts: 1, elapsedMs: Date.now() - started, message: `the outsider's call failed: ${message}`, hint };
  }
  options.onProgress?.({ target: target.name, check, attempt: 1, elapsedMs: Date.now() - started, status, done: true });
  const elapsedMs = Date.now() - started;
  if (status === 403) return { check, passed: true, status, attempts: 1, elapsedMs, message: "the outsider's ID token → 403: only the invokers get in" };
  const hint =
    status >= 200 && status < 400
      ? "someone who is not an invoker got in: look for a grant of roles/run.invoker (or any role with run.routes.invoke) to the outsider, a group it is in, the project, or allUsers/allAuthenticatedUsers"
      : status === 401
        ? "the outsider's ID token was refused as invalid: check the --outsider account and that the caller may mint its tokens (roles/iam.serviceAccountTokenCreator)"
        : "expected Cloud Run's 403; check that the URL is the Cloud Run service itself";
  return { check, passed: false, status, attempts: 1, elapsedMs, message: `the outsider's ID token → ${status}, expected 403`, hint };
}

/** No token at all must be refused by Cloud Run with 403. */
async function checkAnonymous(target: ServiceTarget, url: string, options: ServiceCheckOptions): Promise<CheckResult> {
  const check: CheckName = "anonymous-is-refused";
  const started = Date.now();
  let status: number | undefined;
  try {
    const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason = `${safeMessage(error)}${typeof code === "string" ? ` (${code})` : ""}`;
    return { check, passed: false, attempts: 1, elapsedMs: Date.now() - started, message: `could not reach ${url}: ${reason}`, hint: "check the URL and that the service is deployed" };
  }
  options.onProgress?.({ target: target.name, check, attempt: 1, elapsedMs: Date.now() - started, status, done: true });
  const elapsedMs = Date.now() - started;
  if (status === 403) return { check, passed: true, status, attempts: 1, elapsedMs, message: "no token → 403: the service is private" };
  const publicHint =
    status >= 200 && status < 400
      ? "the service answers without a token: it is PUBLIC. Remove allUsers/allAuthenticatedUsers and invokerIamDisabled, then pulumi up"
      : "expected Cloud Run's 403 for a request without a token; check that the URL is the Cloud Run service itself";
  return { check, passed: false, status, attempts: 1, elapsedMs, message: `no token → ${status}, expected 403`, hint: publicHint };
}

/** The caller's ID token in one header must get a 2xx, within the IAM propagation window. */
async function checkWithToken(target: ServiceTarget, url: string, mode: "authorization" | "x-serverless", options: ServiceCheckOptions): Promise<CheckResult> {
  const check: CheckName = mode === "authorization" ? "authorization-header" : "x-serverless-authorization-header";
  const started = Date.now();
  let attempts = 0;
  let status: number | undefined;
  const onAttempt = (info: AttemptInfo) => {
    attempts = info.attempt;
    status = info.status;
    options.onProgress?.({ target: target.name, check, attempt: info.attempt, elapsedMs: info.elapsedMs, status: info.status, done: info.nextDelayMs === undefined });
  };
  try {
    const response = await invoke(url, mode === "x-serverless" ? { headers: { authorization: UNRELATED_AUTHORIZATION } } : {}, {
      tokens: options.tokens,
      audience: target.audience,
      headerMode: mode,
      timeoutMs: options.requestTimeoutMs,
      retry: { retryForbidden: true, deadlineMs: options.propagationTimeoutMs ?? 600_000, baseDelayMs: options.baseDelayMs ?? 1_000, maxDelayMs: options.maxDelayMs ?? 15_000 },
      onAttempt,
      fetch: options.fetch,
    });
    await response.body?.cancel();
    status = response.status;
    const header = mode === "authorization" ? "Authorization" : "X-Serverless-Authorization (beside an unrelated Authorization)";
    const elapsedMs = Date.now() - started;
    if (response.ok) return { check, passed: true, status, attempts, elapsedMs, message: `ID token in ${header} → ${status}` };
    return { check, passed: false, status, attempts, elapsedMs, message: `ID token in ${header} → ${status}, expected 2xx`, hint: "the front end let the request through but the app failed: check the app's logs and the smoke path" };
  } catch (error) {
    const { message, hint } = describeFailure(error);
    return { check, passed: false, status, attempts: Math.max(attempts, 1), elapsedMs: Date.now() - started, message, hint };
  }
}

/** Splits a thrown error into a one-line message and a hint, redacted. */
function describeFailure(error: unknown): { message: string; hint?: string } {
  if (error instanceof ClientError) return { message: error.summary, hint: error.hint };
  return { message: safeMessage(error) };
}

/** The email claim of the caller's token, for the report (not the token). */
async function callerEmail(tokens: IdTokenSource, audience: string): Promise<string | undefined> {
  try {
    return claimsOf(await tokens.getIdToken(audience))?.email;
  } catch {
    return undefined;
  }
}

/** Options of {@link runSmoke}. */
export interface SmokeOptions extends Omit<ServiceCheckOptions, "tokens" | "outsider" | "onProgress" | "fetch"> {
  tokens: IdTokenSource & AccessTokenSource;
  /** A principal with no grant: services and jobs must refuse it. */
  outsider?: IdTokenSource & AccessTokenSource;
  /** Who executes the jobs that say `run` (waiting needs run.operations.get). @default tokens */
  executionTokens?: AccessTokenSource;
  apiBase?: string;
  jobTimeoutMs?: number;
  pollIntervalMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  fetch?: typeof fetch;
}

/**
 * Checks every service, then every job, one after the other (a propagation wait
 * on one service must not hide another's failure: each gets its own report).
 */
export async function runSmoke(targets: SmokeTargets, options: SmokeOptions): Promise<SmokeReport> {
  const started = Date.now();
  const services: ServiceReport[] = [];
  for (const target of targets.services) services.push(await checkService(target, options));
  const jobs: JobReport[] = [];
  for (const target of targets.jobs) {
    jobs.push(
      await checkJob(target, {
        tokens: options.tokens,
        outsider: options.outsider,
        executionTokens: options.executionTokens,
        apiBase: options.apiBase,
        timeoutMs: options.jobTimeoutMs,
        pollIntervalMs: options.pollIntervalMs,
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        onProgress: options.onProgress,
        fetch: options.fetch,
      }),
    );
  }
  return {
    passed: [...services, ...jobs].every((report) => report.passed),
    startedAt: new Date(started).toISOString(),
    elapsedMs: Date.now() - started,
    services,
    jobs,
  };
}
