import * as http from "node:http";
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { TokenIssuer } from "./tokenIssuer";
import { uniqueIdFor } from "./tokenIssuer";
import type { RunningServer } from "./types";
import { HttpError, bearerToken, handle, listenLocal, readBody, sendJson } from "./http";
import { isServiceAccountEmail, membersInclude, validateMembers } from "./members";

/** Options of {@link startGoogleApis}. */
export interface GoogleApisOptions {
  issuer: TokenIssuer;
  /**
   * Who may impersonate whom through IAM Credentials, as Token Creator would
   * grant: target service-account email → IAM members allowed to mint its tokens.
   * Undefined: any caller with a valid access token may impersonate anyone.
   */
  tokenCreators?: Record<string, string[]>;
  /** @default 0 (ephemeral) */
  port?: number;
}

/** A Cloud Run job as the jobs API emulator knows it. */
export interface EmulatedJob {
  project: string;
  region: string;
  name: string;
  /** IAM members holding run.jobs.run (e.g. roles/run.invoker). */
  invokers: string[];
  /** IAM members holding run.operations.get (e.g. roles/run.viewer). @default [] */
  viewers?: string[];
  /** How long an execution takes before its operation is done. @default 0 */
  durationMs?: number;
  /** @default "succeeded" */
  outcome?: "succeeded" | "failed";
}

/** One accepted `:run` call, for assertions in tests. */
export interface JobRunRecord {
  /** "projects/P/locations/R/jobs/J" */
  job: string;
  /** Email of the caller (from its access token). */
  caller: string;
  /** The request body's `overrides`, if any. */
  overrides?: unknown;
  /** "projects/P/locations/R/operations/ID" */
  operation: string;
}

/** A service_account key file, as `gcloud iam service-accounts keys create` writes it. */
export interface ServiceAccountKeyFile {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  [key: string]: string;
}

/** An authorized_user ADC file, as `gcloud auth application-default login` writes it. */
export interface AuthorizedUserFile {
  type: "authorized_user";
  client_id: string;
  client_secret: string;
  refresh_token: string;
  [key: string]: string;
}

/** A running Google APIs stand-in (OAuth2 token, IAM Credentials, Cloud Run Admin v2 jobs). */
export interface GoogleApis extends RunningServer {
  /** Creates a key for `email` that this server's POST /token accepts; `token_uri` is `${url}/token`. */
  createServiceAccountKey(email: string, projectId?: string): ServiceAccountKeyFile;
  /**
   * Creates an authorized_user credential whose refresh token this server's
   * POST /token accepts. ID tokens minted from it carry `aud` = its client id
   * (Google ignores target_audience for user credentials).
   * @param clientId @default gcloud's application-default client id
   */
  createAuthorizedUser(email: string, clientId?: string): AuthorizedUserFile;
  /** Replaces the Token Creator allow-list (see {@link GoogleApisOptions.tokenCreators}). */
  setTokenCreators(tokenCreators: Record<string, string[]> | undefined): void;
  /** Adds (or replaces) a job that `:run` can start. */
  registerJob(job: EmulatedJob): void;
  /** Every accepted `:run` call so far. */
  jobRuns(): JobRunRecord[];
}

/** The token URL google-auth-library 10 signs into every JWT assertion (`aud`), whatever token_uri says. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** The OAuth client id `gcloud auth application-default login` writes into authorized_user files. */
export const GCLOUD_ADC_CLIENT_ID = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com";
/** The OAuth client id of `gcloud auth login` / `gcloud auth print-identity-token`. */
export const GCLOUD_CLI_CLIENT_ID = "32555940559.apps.googleusercontent.com";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ACCESS_TOKEN_SECONDS = 3599;

interface UserCredential {
  email: string;
  clientId: string;
  clientSecret: string;
}

interface Operation {
  name: string;
  job: Required<EmulatedJob>;
  jobName: string;
  execution: string;
  startedAtMs: number;
}

/** The state behind one Google APIs server. */
class GoogleApisState {
  readonly keys = new Map<string, { email: string; publicKey: KeyObject }>();
  readonly users = new Map<string, UserCredential>();
  readonly jobs = new Map<string, Required<EmulatedJob>>();
  readonly operations = new Map<string, Operation>();
  readonly runs: JobRunRecord[] = [];
  tokenCreators: Record<string, string[]> | undefined;
  url = "";

  constructor(readonly issuer: TokenIssuer) {}
}

/**
 * Starts the Google APIs stand-in: OAuth2 `POST /token` (JWT bearer and
 * refresh-token grants), IAM Credentials generateIdToken/generateAccessToken,
 * Cloud Run Admin v2 `jobs/J:run`, `jobs/J:testIamPermissions` and `operations/ID`, and the issuer's
 * certificates at `/oauth2/v1/certs` (PEM) and `/oauth2/v3/certs` (JWKS).
 */
export async function startGoogleApis(options: GoogleApisOptions): Promise<GoogleApis> {
  const state = new GoogleApisState(options.issuer);
  if (options.tokenCreators) setTokenCreators(state, options.tokenCreators);
  const server = http.createServer(handle(sendGoogleError, (req, res) => route(state, req, res)));
  const { url, close } = await listenLocal(server, options.port);
  state.url = url;
  return {
    url,
    close,
    createServiceAccountKey: (email, projectId) => createServiceAccountKey(state, email, projectId),
    createAuthorizedUser: (email, clientId) => createAuthorizedUser(state, email, clientId),
    setTokenCreators: (creators) => setTokenCreators(state, creators),
    registerJob: (job) => registerJob(state, job),
    jobRuns: () => state.runs.map((run) => ({ ...run })),
  };
}

function setTokenCreators(state: GoogleApisState, creators: Record<string, string[]> | undefined): void {
  for (const [target, members] of Object.entries(creators ?? {})) validateMembers(`tokenCreators["${target}"]`, members);
  state.tokenCreators = creators && structuredClone(creators);
}

function createServiceAccountKey(state: GoogleApisState, email: string, projectId?: string): ServiceAccountKeyFile {
  if (!isServiceAccountEmail(email)) {
    throw new Error(`createServiceAccountKey: "${email}" is not a service-account email; use NAME@PROJECT.iam.gserviceaccount.com`);
  }
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyId = randomBytes(20).toString("hex");
  state.keys.set(privateKeyId, { email, publicKey });
  return {
    type: "service_account",
    project_id: projectId ?? /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? "emulator-project",
    private_key_id: privateKeyId,
    private_key: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    client_email: email,
    client_id: uniqueIdFor(email),
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: `${state.url}/token`,
    auth_provider_x509_cert_url: `${state.url}/oauth2/v1/certs`,
    universe_domain: "googleapis.com",
  };
}

function createAuthorizedUser(state: GoogleApisState, email: string, clientId = GCLOUD_ADC_CLIENT_ID): AuthorizedUserFile {
  const refreshToken = `1//${randomBytes(48).toString("base64url")}`;
  const clientSecret = `d-${randomBytes(12).toString("base64url")}`;
  state.users.set(refreshToken, { email, clientId, clientSecret });
  return {
    type: "authorized_user",
    client_id: clientId,
    client_secret: clientSecret,
    refresh_token: refreshToken,
    universe_domain: "googleapis.com",
  };
}

function registerJob(state: GoogleApisState, job: EmulatedJob): void {
  for (const key of ["project", "region", "name"] as const) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(job[key] ?? "")) {
      throw new Error(`registerJob: ${key} "${job[key]}" is not a valid Cloud Run ${key}; use lowercase letters, digits and hyphens`);
    }
  }
  validateMembers("registerJob.invokers", job.invokers);
  validateMembers("registerJob.viewers", job.viewers ?? []);
  const full: Required<EmulatedJob> = { viewers: [], durationMs: 0, outcome: "succeeded", ...job };
  state.jobs.set(jobPath(job), full);
}

function jobPath(job: Pick<EmulatedJob, "project" | "region" | "name">): string {
  return `projects/${job.project}/locations/${job.region}/jobs/${job.name}`;
}

// ---------------------------------------------------------------- routing

const IAM_ROUTE = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):(generateIdToken|generateAccessToken)$/;
const RUN_ROUTE = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/:]+):run$/;
const TEST_PERMISSIONS_ROUTE = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/:]+):testIamPermissions$/;
const OPERATION_ROUTE = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/:]+)$/;

async function route(state: GoogleApisState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const method = req.method ?? "GET";
  if (method === "POST" && path === "/token") return sendJson(res, 200, await token(state, await readForm(req)));
  if (method === "GET" && path === "/oauth2/v3/certs") return sendJson(res, 200, state.issuer.jwks());
  if (method === "GET" && path === "/oauth2/v1/certs") return sendJson(res, 200, state.issuer.pemCerts());
  const iam = IAM_ROUTE.exec(path);
  if (method === "POST" && iam) {
    const caller = authenticate(state, req);
    const body = await readJson(req);
    const target = decodeURIComponent(iam[1]);
    return sendJson(res, 200, iam[2] === "generateIdToken" ? await generateIdToken(state, caller, target, body) : generateAccessToken(state, caller, target, body));
  }
  const run = RUN_ROUTE.exec(path);
  if (method === "POST" && run) {
    const caller = authenticate(state, req);
    return sendJson(res, 200, runJob(state, caller, jobPath({ project: run[1], region: run[2], name: run[3] }), await readJson(req)));
  }
  const test = TEST_PERMISSIONS_ROUTE.exec(path);
  if (method === "POST" && test) {
    const caller = authenticate(state, req);
    return sendJson(res, 200, testJobPermissions(state, caller, jobPath({ project: test[1], region: test[2], name: test[3] }), await readJson(req)));
  }
  const operation = OPERATION_ROUTE.exec(path);
  if (method === "GET" && operation) return sendJson(res, 200, getOperation(state, authenticate(state, req), operation[1]));
  throw new HttpError(404, `${method} ${path} is not emulated`, { code: 404, status: "NOT_FOUND" });
}

/** Google's JSON error shape: `{ error: { code, message, status } }`, or the OAuth2 shape for /token. */
function sendGoogleError(res: http.ServerResponse, error: HttpError): void {
  if (error.body && typeof error.body === "object" && "error" in error.body) return sendJson(res, error.status, error.body);
  const status = (error.body as { status?: string } | undefined)?.status ?? defaultStatusName(error.status);
  sendJson(res, error.status, { error: { code: error.status, message: error.message, status } });
}

function defaultStatusName(code: number): string {
  return { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 413: "INVALID_ARGUMENT" }[code] ?? "INTERNAL";
}

function apiError(code: number, status: string, message: string): HttpError {
  return new HttpError(code, message, { status });
}

function oauthError(code: number, error: string, description: string): HttpError {
  return new HttpError(code, `${error}: ${description}`, { error, error_description: description });
}

async function readForm(req: http.IncomingMessage): Promise<Record<string, string>> {
  const text = await readBody(req);
  if ((req.headers["content-type"] ?? "").includes("application/json")) return parseJson(text) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(text));
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
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
function authenticate(state: GoogleApisState, req: http.IncomingMessage): string {
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

// ---------------------------------------------------------------- OAuth2 token endpoint

async function token(state: GoogleApisState, form: Record<string, string>): Promise<Record<string, unknown>> {
  if (form.grant_type === JWT_BEARER) return jwtBearerGrant(state, form.assertion);
  if (form.grant_type === "refresh_token") return refreshTokenGrant(state, form);
  throw oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${form.grant_type ?? "(missing)"}`);
}

async function jwtBearerGrant(state: GoogleApisState, assertion: string | undefined): Promise<Record<string, unknown>> {
  const claims = await verifyAssertion(state, assertion);
  const email = claims.iss as string;
  if (claims.sub !== undefined && claims.sub !== email) {
    // A different `sub` asks for domain-wide delegation, which the emulator does not model.
    throw oauthError(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method (domain-wide delegation is not emulated).");
  }
  if (typeof claims.target_audience === "string" && claims.target_audience !== "") {
    return { id_token: await state.issuer.mintIdToken({ email, audience: claims.target_audience }) };
  }
  if (!claims.scope) throw oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  return { access_token: state.issuer.mintAccessToken(email), expires_in: ACCESS_TOKEN_SECONDS, token_type: "Bearer" };
}

/** Verifies a service account's signed JWT assertion against the keys this server created. */
async function verifyAssertion(state: GoogleApisState, assertion: string | undefined): Promise<JWTPayload> {
  let kid: string | undefined;
  let iss: unknown;
  try {
    kid = decodeProtectedHeader(assertion ?? "").kid;
    iss = decodeJwt(assertion ?? "").iss;
  } catch {
    throw oauthError(400, "invalid_grant", "Invalid JWT: the assertion is not a JWT.");
  }
  // google-auth-library 10 signs without a kid, so try every key of the issuing account.
  const candidates = [...state.keys.entries()].filter(([id, key]) => key.email === iss && (kid === undefined || id === kid));
  if (candidates.length === 0) throw oauthError(400, "invalid_grant", "Invalid grant: account not found");
  const shortLived = oauthError(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
  for (const [, key] of candidates) {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion as string, key.publicKey, {
        algorithms: ["RS256"],
        audience: [GOOGLE_TOKEN_URL, `${state.url}/token`],
        requiredClaims: ["iat", "exp"],
        maxTokenAge: "3660s",
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud") {
        throw oauthError(400, "invalid_grant", `Invalid JWT: aud must be ${GOOGLE_TOKEN_URL}`);
      }
      throw shortLived;
    }
    if ((payload.exp as number) - (payload.iat as number) > 3600) throw shortLived;
    return payload;
  }
  throw oauthError(400, "invalid_grant", "Invalid JWT Signature.");
}

async function refreshTokenGrant(state: GoogleApisState, form: Record<string, string>): Promise<Record<string, unknown>> {
  const user = state.users.get(form.refresh_token ?? "");
  if (!user) throw oauthError(400, "invalid_grant", "Bad Request");
  if (form.client_id !== user.clientId || form.client_secret !== user.clientSecret) {
    throw oauthError(401, "invalid_client", "The OAuth client was not found.");
  }
  // Google ignores target_audience for user credentials: the ID token's aud is the OAuth client id.
  return {
    access_token: state.issuer.mintAccessToken(user.email),
    expires_in: ACCESS_TOKEN_SECONDS,
    scope: "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/cloud-platform",
    token_type: "Bearer",
    id_token: await state.issuer.mintIdToken({ email: user.email, audience: user.clientId, azp: user.clientId }),
  };
}

// ---------------------------------------------------------------- IAM Credentials

/** Token Creator check: 403 unless the allow-list (when set) lets `caller` mint tokens for `target`. */
function authorizeImpersonation(state: GoogleApisState, caller: string, target: string, permission: string): void {
  if (!isServiceAccountEmail(target)) {
    throw apiError(400, "INVALID_ARGUMENT", `"${target}" is not a service-account email`);
  }
  if (state.tokenCreators === undefined) return;
  if (!membersInclude(state.tokenCreators[target] ?? [], caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission '${permission}' denied on resource (or it may not exist).`);
  }
}

async function generateIdToken(state: GoogleApisState, caller: string, target: string, body: Record<string, unknown>): Promise<{ token: string }> {
  authorizeImpersonation(state, caller, target, "iam.serviceAccounts.getOpenIdToken");
  if (typeof body.audience !== "string" || body.audience === "") throw apiError(400, "INVALID_ARGUMENT", "audience is required");
  const token = await state.issuer.mintIdToken({ email: target, audience: body.audience, includeEmail: body.includeEmail === true });
  return { token };
}

function generateAccessToken(state: GoogleApisState, caller: string, target: string, body: Record<string, unknown>): { accessToken: string; expireTime: string } {
  authorizeImpersonation(state, caller, target, "iam.serviceAccounts.getAccessToken");
  if (!Array.isArray(body.scope) || body.scope.length === 0) throw apiError(400, "INVALID_ARGUMENT", "Scope required.");
  const lifetime = parseLifetime(body.lifetime);
  const accessToken = state.issuer.mintAccessToken(target, { expiresInSeconds: lifetime });
  return { accessToken, expireTime: new Date(Date.now() + lifetime * 1000).toISOString() };
}

function parseLifetime(lifetime: unknown): number {
  if (lifetime === undefined) return 3600;
  const match = typeof lifetime === "string" ? /^(\d+)s$/.exec(lifetime) : null;
  const seconds = match ? Number(match[1]) : NaN;
  if (!(seconds > 0 && seconds <= 3600)) {
    throw apiError(400, "INVALID_ARGUMENT", `lifetime ${JSON.stringify(lifetime)} must be "Ns" with 0 < N <= 3600`);
  }
  return seconds;
}

// ---------------------------------------------------------------- Cloud Run Admin v2 jobs

function runJob(state: GoogleApisState, caller: string, name: string, body: Record<string, unknown>): Record<string, unknown> {
  const job = state.jobs.get(name);
  if (!job) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  if (!membersInclude(job.invokers, caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission 'run.jobs.run' denied on resource '${name}' (or resource may not exist).`);
  }
  if (body.overrides !== undefined && (typeof body.overrides !== "object" || body.overrides === null || Array.isArray(body.overrides))) {
    throw apiError(400, "INVALID_ARGUMENT", "overrides must be an object (RunJobRequest.Overrides)");
  }
  const id = randomUUID();
  const operation: Operation = {
    name: `projects/${job.project}/locations/${job.region}/operations/${id}`,
    job,
    jobName: name,
    execution: `${name}/executions/${job.name}-${randomBytes(3).toString("hex").slice(0, 5)}`,
    startedAtMs: Date.now(),
  };
  state.operations.set(operation.name, operation);
  state.runs.push({ job: name, caller, overrides: body.overrides, operation: operation.name });
  return describeOperation(operation);
}

/** The job permissions the emulator models, and who holds each. */
const JOB_PERMISSIONS: Record<string, (job: Required<EmulatedJob>) => string[]> = {
  "run.jobs.run": (job) => job.invokers,
  "run.operations.get": (job) => job.viewers,
};

/**
 * `jobs/J:testIamPermissions`: the subset of the asked permissions the caller
 * holds on the job. Like Google's, it needs no permission itself (any
 * authenticated caller may ask about its own), and an empty subset is `{}`.
 */
function testJobPermissions(state: GoogleApisState, caller: string, name: string, body: Record<string, unknown>): Record<string, unknown> {
  const job = state.jobs.get(name);
  if (!job) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  const asked = body.permissions;
  if (!Array.isArray(asked) || asked.length === 0 || !asked.every((permission) => typeof permission === "string" && !permission.includes("*"))) {
    throw apiError(400, "INVALID_ARGUMENT", "permissions must be a non-empty list of permission names without wildcards");
  }
  const held = (asked as string[]).filter((permission) => membersInclude(JOB_PERMISSIONS[permission]?.(job) ?? [], caller));
  return held.length > 0 ? { permissions: held } : {};
}

function getOperation(state: GoogleApisState, caller: string, name: string): Record<string, unknown> {
  const operation = state.operations.get(name);
  if (!operation) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  if (!membersInclude(operation.job.viewers, caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission 'run.operations.get' denied on resource '${name}' (or resource may not exist).`);
  }
  return describeOperation(operation);
}

/** The long-running Operation: running until durationMs has passed, then done with an Execution or an error. */
function describeOperation(operation: Operation): Record<string, unknown> {
  const done = Date.now() >= operation.startedAtMs + operation.job.durationMs;
  const failed = done && operation.job.outcome === "failed";
  const execution = {
    "@type": "type.googleapis.com/google.cloud.run.v2.Execution",
    name: operation.execution,
    job: operation.job.name,
    createTime: new Date(operation.startedAtMs).toISOString(),
    startTime: new Date(operation.startedAtMs).toISOString(),
    taskCount: 1,
    runningCount: done ? 0 : 1,
    succeededCount: done && !failed ? 1 : 0,
    failedCount: failed ? 1 : 0,
    ...(done ? { completionTime: new Date(operation.startedAtMs + operation.job.durationMs).toISOString() } : {}),
  };
  const result: Record<string, unknown> = { name: operation.name, metadata: execution, done };
  if (failed) {
    result.error = { code: 2, message: `Task ${operation.execution.split("/").pop()}-0 failed: the container exited with a non-zero status of 1.` };
  } else if (done) {
    result.response = execution;
  }
  return result;
}
