/**
 * Request-log correlation: turns Cloud Run's trace headers into the
 * `logging.googleapis.com/trace` fields that group a request's log lines under
 * its trace in Cloud Logging. The trace field must be the full resource name
 * `projects/PROJECT_ID/traces/TRACE_ID`, so the project id is needed too.
 */
import type { IncomingHttpHeaders } from "node:http";

/** A parsed trace context. */
export interface TraceContext {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters, when the header carried a span id. */
  spanId?: string;
  /** Whether the caller sampled this trace, when the header says. */
  sampled?: boolean;
}

const ZERO_TRACE = /^0+$/;
const MAX_SPAN = (1n << 64n) - 1n;

/** Parses W3C `traceparent`: `00-<32 hex trace>-<16 hex span>-<2 hex flags>`. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/i.exec(value?.trim() ?? "");
  if (!match || match[1].toLowerCase() === "ff" || ZERO_TRACE.test(match[2]) || ZERO_TRACE.test(match[3])) return undefined;
  return {
    traceId: match[2].toLowerCase(),
    spanId: match[3].toLowerCase(),
    sampled: (parseInt(match[4], 16) & 1) === 1,
  };
}

/** Parses `X-Cloud-Trace-Context`: `TRACE_ID/SPAN_ID;o=OPTIONS`, span id in decimal. */
export function parseCloudTraceContext(value: string | undefined): TraceContext | undefined {
  const match = /^([0-9a-f]{32})(?:\/(\d{1,20}))?(?:;o=(\d+))?$/i.exec(value?.trim() ?? "");
  if (!match || ZERO_TRACE.test(match[1])) return undefined;
  const context: TraceContext = { traceId: match[1].toLowerCase() };
  if (match[2] !== undefined) {
    const span = BigInt(match[2]);
    // Cloud Logging wants the span id as 16 hex characters; 0 and >64-bit are not span ids.
    if (span > 0n && span <= MAX_SPAN) context.spanId = span.toString(16).padStart(16, "0");
  }
  if (match[3] !== undefined) context.sampled = match[3] === "1";
  return context;
}

/** The request's trace context, preferring Google's header and falling back to W3C's. */
export function traceContextOf(headers: IncomingHttpHeaders): TraceContext | undefined {
  return parseCloudTraceContext(firstValue(headers["x-cloud-trace-context"])) ?? parseTraceparent(firstValue(headers["traceparent"]));
}

/**
 * The Cloud Logging fields for a request: empty when there is no trace header
 * or no project id (a bare trace id would not link to anything).
 */
export function traceLogFields(headers: IncomingHttpHeaders, projectId: string | undefined): Record<string, string | boolean> {
  const context = traceContextOf(headers);
  if (!context || !projectId) return {};
  const fields: Record<string, string | boolean> = {
    "logging.googleapis.com/trace": `projects/${projectId}/traces/${context.traceId}`,
  };
  if (context.spanId) fields["logging.googleapis.com/spanId"] = context.spanId;
  if (context.sampled !== undefined) fields["logging.googleapis.com/trace_sampled"] = context.sampled;
  return fields;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
