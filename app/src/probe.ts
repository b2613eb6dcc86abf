/**
 * The job's work: an HTTP health sweep. Each task GETs its slice of a list of
 * URLs and reports which answered 2xx. A real, idempotent job (safe to retry)
 * that a private service's owner can point at endpoints to watch.
 */
import { ConfigError, intFromEnv } from "./env";
import { fetchFailureCode } from "./fetchFailure";
import { redactQuery } from "./log";

/** One probe's outcome. `url` is the logged form (credential-looking query values redacted). */
export interface ProbeResult {
  url: string;
  ok: boolean;
  /** HTTP status, or null when no response came (DNS, refused, timeout). */
  status: number | null;
  latencyMs: number;
  /** Why it failed, when it did (an error code, not a message). */
  failure?: string;
}

/** Per-request timeout when JOB_PROBE_TIMEOUT_MS is not set. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/**
 * The URLs to probe: the command's arguments, else JOB_URLS (separated by
 * commas or whitespace). Each must be an absolute http(s) URL without
 * user:password (credentials do not belong in a job's arguments).
 */
export function probeTargets(args: readonly string[], env: NodeJS.ProcessEnv): URL[] {
  const fromArgs = args.length > 0;
  const raw = fromArgs ? [...args] : (env.JOB_URLS ?? "").split(/[\s,]+/).filter((s) => s !== "");
  return raw.map((value, i) => parseTarget(value, fromArgs ? `argument ${i + 1}` : `JOB_URLS item ${i + 1}`));
}

function parseTarget(value: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where}: ${JSON.stringify(value)} is not a URL; give absolute URLs such as https://example.com/health/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${where}: ${JSON.stringify(url.protocol)} is not http or https; give http(s) URLs`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${where}: a URL with user:password; remove the credentials from the URL`);
  }
  return url;
}

/** The per-request timeout: JOB_PROBE_TIMEOUT_MS (ms) or the default. */
export function probeTimeoutMs(env: NodeJS.ProcessEnv): number {
  return intFromEnv(env, "JOB_PROBE_TIMEOUT_MS", DEFAULT_PROBE_TIMEOUT_MS, 1, 600000, "set JOB_PROBE_TIMEOUT_MS to milliseconds, or unset it for 5000");
}

/** A URL as logs may show it: credential-looking query values replaced. */
export function loggableUrl(url: URL): string {
  const copy = new URL(url.href);
  redactQuery(copy.searchParams);
  return copy.href;
}

/** GETs one URL; never throws. Redirects are followed; 2xx after them is a pass. */
export async function probe(url: URL, timeoutMs: number, cancel?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const signal = cancel ? AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  const base = { url: loggableUrl(url) };
  try {
    const response = await fetch(url, { signal, headers: { "User-Agent": "private-cloud-run-job" } });
    await response.body?.cancel(); // only the status matters; free the connection
    const latencyMs = Math.round(performance.now() - started);
    return response.ok
      ? { ...base, ok: true, status: response.status, latencyMs }
      : { ...base, ok: false, status: response.status, latencyMs, failure: `HTTP ${response.status}` };
  } catch (error) {
    return { ...base, ok: false, status: null, latencyMs: Math.round(performance.now() - started), failure: fetchFailureCode(error) };
  }
}
