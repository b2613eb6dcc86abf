import type { TokenIssuer } from "./tokenIssuer";
import type { RunningServer } from "./types";

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
  /** Creates an authorized_user credential whose refresh token this server's POST /token accepts. */
  createAuthorizedUser(email: string): AuthorizedUserFile;
  /** Replaces the Token Creator allow-list (see {@link GoogleApisOptions.tokenCreators}). */
  setTokenCreators(tokenCreators: Record<string, string[]> | undefined): void;
  /** Adds (or replaces) a job that `:run` can start. */
  registerJob(job: EmulatedJob): void;
  /** Every accepted `:run` call so far. */
  jobRuns(): JobRunRecord[];
}

/** Starts the Google APIs stand-in. */
export async function startGoogleApis(_options: GoogleApisOptions): Promise<GoogleApis> {
  throw new Error("not implemented");
}
