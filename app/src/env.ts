/**
 * Reading the container's environment. Every bad value fails at start-up with
 * one message naming the variable, the value and the fix.
 */
import { calleeSettings, type CalleeSettings } from "./callee";
import { ConfigError } from "./configError";

export { ConfigError };

/**
 * An integer environment variable within [min, max], or `fallback` when unset
 * or empty. `fix` says what to set instead.
 */
export function intFromEnv(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number, fix: string): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}; ${fix}`);
  }
  return value;
}

/** The service's settings, from the environment Cloud Run gives the container. */
export interface ServerSettings {
  /** Cloud Run sets PORT (8080 by default). 0 asks the OS for a free port (tests): the bound port is in the "listening" log line. */
  port: number;
  /** 0.0.0.0 on Cloud Run (its contract); tests use 127.0.0.1. */
  host: string;
  /** How long SIGTERM waits for in-flight requests before forcing connections closed (Cloud Run kills at 10 s). */
  shutdownGraceMs: number;
  /**
   * One access line per request (REQUEST_LOGS=on). Off by default: Cloud Run's own
   * request log already has method, path, status, latency and trace for every request.
   */
  requestLogs: boolean;
  /** The service this one calls from `GET /call` (CALLEE_URL), or undefined. */
  callee?: CalleeSettings;
  /** The app's own credential (APP_TOKEN, from a secret): sent on `/call`, checked on `/whoami`. Never logged. */
  appToken?: string;
}

/** Default grace on SIGTERM: comfortably inside Cloud Run's 10 s. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 8000;

/** Reads {@link ServerSettings}; throws {@link ConfigError} on a bad value. */
export function serverSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return {
    port: intFromEnv(env, "PORT", 8080, 0, 65535, "set PORT to a TCP port (Cloud Run sets it; default 8080)"),
    host: env.HOST?.trim() || "0.0.0.0",
    shutdownGraceMs: intFromEnv(env, "SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS, 0, 9500, "set SHUTDOWN_GRACE_MS to milliseconds below Cloud Run's 10 s SIGKILL deadline, or unset it for 8000"),
    requestLogs: onOffFromEnv(env, "REQUEST_LOGS", false, "set REQUEST_LOGS=on to write one line per request (Cloud Run's request log already has them), or unset it"),
    callee: calleeSettings(env),
    appToken: appTokenFromEnv(env),
  };
}

/**
 * APP_TOKEN: the app's own credential, read from Secret Manager through the
 * environment. Surrounding whitespace (a secret written with `echo`) is dropped; what
 * is left must fit in a header. A bad value is refused WITHOUT quoting it.
 */
export function appTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.APP_TOKEN;
  if (raw === undefined || raw.trim() === "") return undefined;
  const token = raw.trim();
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError("APP_TOKEN is not a usable credential (its value is not shown): it must be printable ASCII without spaces; check the secret's value");
  }
  return token;
}

/** An on/off environment variable, or `fallback` when unset or empty. */
export function onOffFromEnv(env: NodeJS.ProcessEnv, key: string, fallback: boolean, fix: string): boolean {
  const raw = env[key];
  const value = raw?.trim().toLowerCase();
  if (raw === undefined || value === "") return fallback;
  if (value === "on") return true;
  if (value === "off") return false;
  throw new ConfigError(`${key}=${JSON.stringify(raw)} is not on or off; ${fix}`);
}
