/**
 * Structured logging for Cloud Logging: one JSON object per line on stdout.
 * Cloud Run's logging agent turns each line into a LogEntry; it recognises
 * `severity`, `message`, `httpRequest`, `time` and the `logging.googleapis.com/*`
 * keys (trace, spanId, trace_sampled) and keeps the rest as jsonPayload.
 */

/** Cloud Logging severities this app uses. */
export type Severity = "DEBUG" | "INFO" | "NOTICE" | "WARNING" | "ERROR" | "CRITICAL";

/** Extra fields of one log entry (never a token, never a header value that may hold one). */
export type LogFields = Record<string, unknown>;

/** Writes one structured entry. */
export type Logger = (severity: Severity, message: string, fields?: LogFields) => void;

// Defence in depth: the code never passes a token to the logger, but if a future
// change did, these shapes are scrubbed before the line leaves the process.
// A JWT is three base64url segments whose first starts with `eyJ` (`{"`).
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER_VALUE = /(bearer|basic)\s+[^\s"',;]+/gi;
// Google OAuth access tokens.
const ACCESS_TOKEN_SHAPE = /ya29\.[A-Za-z0-9_.-]+/g;

// Query parameters whose values may be credentials are never logged.
const SENSITIVE_PARAM = /token|auth|key|secret|pass|sig|code|credential|session/i;

/** Replaces, in place, the values of credential-looking query parameters with "REDACTED". */
export function redactQuery(params: URLSearchParams): void {
  for (const name of new Set(params.keys())) {
    if (SENSITIVE_PARAM.test(name)) params.set(name, "REDACTED");
  }
}

/** Replaces anything token-shaped in an already-serialised log line. */
export function scrubSecrets(line: string): string {
  return line
    .replace(JWT_SHAPE, "[redacted-jwt]")
    .replace(ACCESS_TOKEN_SHAPE, "[redacted-access-token]")
    .replace(BEARER_VALUE, "$1 [redacted]");
}

/** Serialises one entry as a single JSON line (no trailing newline). */
export function formatEntry(severity: Severity, message: string, fields: LogFields = {}): string {
  // severity and message last so a stray field of the same name cannot override them.
  const entry = { time: new Date().toISOString(), ...fields, severity, message };
  return scrubSecrets(JSON.stringify(entry));
}

/**
 * A logger writing JSON lines to `write` (stdout by default). Base fields
 * (e.g. the job's execution and task index) are added to every entry.
 */
export function createLogger(
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (severity, message, fields) => write(formatEntry(severity, message, { ...base, ...fields }) + "\n");
}

/**
 * Keeps the process alive if stdout goes away (EPIPE: the reader closed the
 * pipe, e.g. `node dist/server.js | head -1`): losing log lines must not take
 * the service down mid-request. Call once at start-up.
 */
export function survivesClosedStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/** Resolves once everything written to stdout so far has been flushed, so `process.exit` loses no log line. */
export function flushStdout(): Promise<void> {
  return new Promise((resolve) => process.stdout.write("", () => resolve()));
}
