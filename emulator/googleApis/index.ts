/**
 * The Google APIs stand-in: one node:http server on 127.0.0.1 with the OAuth2
 * token endpoint (oauthToken.ts), IAM Credentials (iamCredentials.ts) and the
 * Cloud Run Admin v2 jobs API (runJobs.ts), plus the issuer's certificates.
 */
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import { newSigningKeyPair } from "../keys";
import type { TokenIssuer } from "../tokenIssuer";
import { uniqueIdFor } from "../tokenIssuer";
import type { RunningServer } from "../types";
import { HttpError, handle, listenLocal, sendJson } from "../http";
import { isServiceAccountEmail, validateMembers } from "../members";
import { generateAccessToken, generateIdToken } from "./iamCredentials";
import { token } from "./oauthToken";
import { getOperation, jobPath, registerJob, runJob, testJobPermissions, type EmulatedJob, type JobRunRecord } from "./runJobs";
import { authenticate, GoogleApisState, readForm, readJson, sendGoogleError } from "./state";

export { GOOGLE_TOKEN_URL } from "./oauthToken";
export type { EmulatedJob, JobRunRecord } from "./runJobs";

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

/** The OAuth client id `gcloud auth application-default login` writes into authorized_user files. */
export const GCLOUD_ADC_CLIENT_ID = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com";
/** The OAuth client id of `gcloud auth login` / `gcloud auth print-identity-token`. */
export const GCLOUD_CLI_CLIENT_ID = "32555940559.apps.googleusercontent.com";

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
  const { privateKey, publicKey } = newSigningKeyPair();
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
