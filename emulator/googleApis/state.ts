/**
 * What every endpoint of the Google APIs stand-in shares: the server's state
 * (keys, users, jobs, operations) and Google's request and error shapes.
 */
import type * as http from "node:http";
import type { KeyObject } from "node:crypto";
import type { TokenIssuer } from "../tokenIssuer";
import { HttpError, bearerToken, readBody, sendJson } from "../http";
import type { EmulatedJob, JobRunRecord } from "./runJobs";

export interface UserCredential {
  email: string;
  clientId: string;
  clientSecret: string;
}

export interface Operation {
  name: string;
  job: Required<EmulatedJob>;
  jobName: string;
  execution: string;
  startedAtMs: number;
}

/** The state behind one Google APIs server. */
export class GoogleApisState {
  readonly keys = new Map<string, { email: string; publicKey: KeyObject }>();
  readonly users = new Map<string, UserCredential>();
  readonly jobs = new Map<string, Required<EmulatedJob>>();
  readonly operations = new Map<string, Operation>();
  readonly runs: JobRunRecord[] = [];
  tokenCreators: Record<string, string[]> | undefined;
  url = "";

  constructor(readonly issuer: TokenIssuer) {}
}

/** Google's JSON error shape: `{ error: { code, message, status } }`, or the OAuth2 shape for /token. */
export function sendGoogleError(res: http.ServerResponse, error: HttpError): void {
  if (error.body && typeof error.body === "object" && "error" in error.body) return sendJson(res, error.status, error.body);
  const status = (error.body as { status?: string } | undefined)?.status ?? defaultStatusName(error.status);
  sendJson(res, error.status, { error: { code: error.status, message: error.message, status } });
}

function defaultStatusName(code: number): string {
  return { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 413: "INVALID_ARGUMENT" }[code] ?? "INTERNAL";
}

export function apiError(code: number, status: string, message: string): HttpError {
  return new HttpError(code, message, { status });
}

export function oauthError(code: number, error: string, description: string): HttpError {
  return new HttpError(code, `${error}: ${description}`, { error, error_description: description });
}

export async function readForm(req: http.IncomingMessage): Promise<Record<string, string>> {
  const text = await readBody(req);
  if ((req.headers["content-type"] ?? "").includes("application/json")) return parseJson(text) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(text));
}

export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === "") return {};
  const value = parseJson(text);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw apiError(400, "INVALID_ARGUMENT", "request body must be a JSON object");
  return value as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "INVALID_ARGUMENT", "request body is not valid JSON");
  }
}

/** The caller's email from its `Authorization: Bearer <access token>`, or Google's 401. */
export function authenticate(state: GoogleApisState, req: http.IncomingMessage): string {
  const token = bearerToken(req.headers.authorization);
  if (!token) {
    throw apiError(401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
  }
  const email = state.issuer.identityForAccessToken(token);
  if (!email) {
    throw apiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
  }
  return email;
}
