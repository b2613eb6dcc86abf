import { redact } from "./redact";

/**
 * Base class of every error this library throws. Messages are redacted at
 * construction and no `cause` is attached: causes from google-auth-library
 * (GaxiosError) carry request headers, i.e. bearer tokens.
 */
export class ClientError extends Error {
  /** What went wrong, one line, without the hint. */
  readonly summary: string;
  /** What to do next, for people (also part of `message`). */
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    const text = hint ? `${message}\n  → ${hint}` : message;
    super(redact(text));
    this.name = new.target.name;
    this.summary = redact(message);
    this.hint = hint === undefined ? undefined : redact(hint);
  }
}

/** Minting an ID or access token failed (credentials, impersonation, metadata server). */
export class TokenError extends ClientError {}

/** The service (or Cloud Run's front end) refused the request or could not be reached. */
export class InvokeError extends ClientError {
  constructor(
    message: string,
    hint: string | undefined,
    /** The HTTP status, when there was a response. */
    readonly status: number | undefined,
    /** The URL called (no credentials in it). */
    readonly url: string,
    /** Attempts made before giving up. */
    readonly attempts: number,
  ) {
    super(message, hint);
  }
}

/** Starting or waiting for a Cloud Run job failed. */
export class JobError extends ClientError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly status: number | undefined,
    /** The long-running operation name, once known. */
    readonly operation?: string,
  ) {
    super(message, hint);
  }
}

/** Bad input to the library or the CLI: names the key, the value and the fix. */
export class UsageError extends ClientError {}
