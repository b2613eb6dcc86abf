/**
 * ID tokens (to call private services) and access tokens (to run jobs) from any
 * credential google-auth-library understands: service-account key, metadata
 * server, impersonated_service_account, authorized_user (gcloud ADC), and
 * external_account (workload identity federation) through impersonation.
 */
import { BaseExternalAccountClient, GoogleAuth, GoogleAuthOptions, IdTokenClient, Impersonated } from "google-auth-library";
import type { AuthClient } from "google-auth-library";
import { TokenError, UsageError } from "./errors";
import { safeMessage } from "./redact";

/** Where ID tokens come from. Implement it to plug in any other issuer. */
export interface IdTokenSource {
  /** An ID token whose `aud` is `audience`; cached and refreshed by the source. */
  getIdToken(audience: string): Promise<string>;
  /**
   * Optional: a fresh token for `audience` already in hand, returned synchronously, or
   * undefined when it would have to be minted (then getIdToken is called). Lets
   * invoke() skip a promise and a timer on every call with a warm cache.
   */
  cachedIdToken?(audience: string): string | undefined;
}

/** Where OAuth access tokens (scope cloud-platform) come from, for the Cloud Run Admin API. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
}

/** Options of {@link GoogleTokenSource}. */
export interface GoogleTokenSourceOptions {
  /** An existing GoogleAuth to use as the source credential. @default new GoogleAuth(authOptions) */
  auth?: GoogleAuth;
  /** Options for the GoogleAuth built when `auth` is not given (keyFile, credentials, clientOptions…). */
  authOptions?: GoogleAuthOptions;
  /**
   * Mint every token as this service account (the source credential needs
   * roles/iam.serviceAccountTokenCreator on it), like gcloud's --impersonate-service-account.
   * @example "smoke@my-project.iam.gserviceaccount.com"
   */
  impersonate?: string;
  /** IAM Credentials API base used for impersonation. @default "https://iamcredentials.googleapis.com" */
  iamCredentialsEndpoint?: string;
}

/** Scope of the access tokens used for the Cloud Run Admin API and IAM Credentials. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
export const DEFAULT_IAM_CREDENTIALS_ENDPOINT = "https://iamcredentials.googleapis.com";

/** Anything that can mint an ID token for an audience (IdTokenClient's provider contract). */
interface IdTokenMinter {
  fetchIdToken(audience: string): Promise<string>;
}

/** One audience's token client, plus the refresh every concurrent caller shares. */
interface AudienceEntry {
  client: Promise<IdTokenClient>;
  pending?: Promise<string>;
  /** The last token read, and until when it may be handed out without asking the client. */
  token?: string;
  freshUntil?: number;
}


const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$|^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/;

/**
 * Token source backed by google-auth-library.
 *
 * `getIdTokenClient()` builds a new client on every call, and each client has its
 * own cache, so this keeps ONE IdTokenClient per audience (it refreshes 5 minutes
 * before expiry) and makes concurrent callers share a single refresh.
 */
export class GoogleTokenSource implements IdTokenSource, AccessTokenSource {
  private readonly auth: GoogleAuth;
  private readonly impersonate?: string;
  private readonly iamEndpoint: string;
  private readonly audiences = new Map<string, AudienceEntry>();
  private minter?: Promise<IdTokenMinter>;
  /** The service account a federated (external_account) credential mints ID tokens as. */
  private federatedServiceAccount?: string;
  private impersonated?: Promise<Impersonated>;

  constructor(options: GoogleTokenSourceOptions = {}) {
    if (options.impersonate !== undefined && !SERVICE_ACCOUNT_EMAIL.test(options.impersonate)) {
      throw new UsageError(
        `impersonate: "${options.impersonate}" is not a service account email`,
        "pass the email of a service account, e.g. smoke@PROJECT.iam.gserviceaccount.com",
      );
    }
    this.auth = options.auth ?? new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], ...options.authOptions });
    this.impersonate = options.impersonate;
    this.iamEndpoint = trimSlash(options.iamCredentialsEndpoint ?? DEFAULT_IAM_CREDENTIALS_ENDPOINT);
  }

  async getIdToken(audience: string): Promise<string> {
    requireAudience(audience);
    const cached = this.cachedIdToken(audience);
    if (cached !== undefined) return cached;
    const entry = this.entryFor(audience);
    // One in-flight read per audience: a thousand concurrent calls on a cold
    // cache cause one mint, not a thousand.
    entry.pending ??= this.readIdToken(entry).finally(() => {
      entry.pending = undefined;
    });
    return entry.pending;
  }

  async getAccessToken(): Promise<string> {
    try {
      const client: AuthClient = this.impersonate ? await this.impersonatedClient() : await this.auth.getClient();
      const { token } = await client.getAccessToken();
      if (!token) throw new Error("the credential returned no access token");
      return token;
    } catch (error) {
      throw tokenError("access token", error, this.impersonate);
    }
  }

  cachedIdToken(audience: string): string | undefined {
    const entry = this.audiences.get(audience);
    return entry?.token !== undefined && Date.now() < (entry.freshUntil as number) ? entry.token : undefined;
  }

  private entryFor(audience: string): AudienceEntry {
    let entry = this.audiences.get(audience);
    if (!entry) {
      const client = this.idTokenMinter().then((idTokenProvider) => new IdTokenClient({ targetAudience: audience, idTokenProvider }));
      // A failed setup is not cached: the next call retries it.
      client.catch(() => this.audiences.delete(audience));
      entry = { client };
      this.audiences.set(audience, entry);
    }
    return entry;
  }

  private async readIdToken(entry: AudienceEntry): Promise<string> {
    try {
      const client = await entry.client;
      // IdTokenClient returns its cached token unless it expires within 5 minutes.
      const headers = await client.getRequestHeaders();
      const value = headers.get("authorization") ?? "";
      if (!value.startsWith("Bearer ")) throw new Error("the credential returned no ID token");
      const token = value.slice("Bearer ".length);
      const expiresAt = expiryOf(token);
      // A token without a readable exp is not kept: IdTokenClient itself re-mints those every time.
      // Handed out synchronously until the client itself would refresh it (its eagerRefreshThresholdMillis, 5 minutes by default).
      if (expiresAt !== undefined) Object.assign(entry, { token, freshUntil: expiresAt - client.eagerRefreshThresholdMillis });
      return token;
    } catch (error) {
      if (error instanceof TokenError || error instanceof UsageError) throw error;
      if (this.federatedServiceAccount && !this.impersonate) throw federatedTokenError(error, this.federatedServiceAccount);
      throw tokenError("ID token", error, this.impersonate);
    }
  }

  private idTokenMinter(): Promise<IdTokenMinter> {
    this.minter ??= this.buildMinter();
    this.minter.catch(() => (this.minter = undefined));
    return this.minter;
  }

  private async buildMinter(): Promise<IdTokenMinter> {
    if (this.impersonate) return withEmail(await this.impersonatedClient());
    let client: AuthClient;
    try {
      client = await this.auth.getClient();
    } catch (error) {
      throw tokenError("ID token", error, undefined);
    }
    if (client instanceof BaseExternalAccountClient) return this.externalAccountMinter(client);
    if (hasFetchIdToken(client)) return client;
    throw new TokenError(
      `this credential (${client.constructor.name}) cannot mint ID tokens`,
      "use a service-account key, the metadata server, gcloud ADC (gcloud auth application-default login), " +
        "or impersonate a service account (--impersonate SA / impersonate option)",
    );
  }

  /**
   * Workload identity federation has no ID-token endpoint of its own:
   * google-auth-library's getIdTokenClient throws "Cannot fetch ID token in this
   * environment". Mint through the service account the config impersonates.
   */
  private externalAccountMinter(client: BaseExternalAccountClient): IdTokenMinter {
    const email = client.getServiceAccountEmail();
    if (!email) {
      throw new TokenError(
        "workload identity federation (external_account) credentials cannot mint Google ID tokens by themselves",
        "regenerate the credential config with a service account to impersonate " +
          "(gcloud iam workload-identity-pools create-cred-config … --service-account=SA_EMAIL), " +
          "grant the federated principal roles/iam.workloadIdentityUser on it, or pass --impersonate SA_EMAIL",
      );
    }
    this.federatedServiceAccount = email;
    const impersonated = new Impersonated({
      sourceClient: client,
      targetPrincipal: email,
      targetScopes: [CLOUD_PLATFORM_SCOPE],
      endpoint: this.iamEndpoint,
    });
    return withEmail(impersonated);
  }

  private impersonatedClient(): Promise<Impersonated> {
    this.impersonated ??= this.auth.getClient().then(
      (sourceClient) =>
        new Impersonated({
          sourceClient,
          targetPrincipal: this.impersonate,
          targetScopes: [CLOUD_PLATFORM_SCOPE],
          endpoint: this.iamEndpoint,
        }),
    );
    this.impersonated.catch(() => (this.impersonated = undefined));
    return this.impersonated;
  }
}

/** Cloud Run identifies the caller by the `email` claim: always ask for it. */
function withEmail(impersonated: Impersonated): IdTokenMinter {
  return { fetchIdToken: (audience) => impersonated.fetchIdToken(audience, { includeEmail: true }) };
}

function hasFetchIdToken(client: AuthClient): client is AuthClient & IdTokenMinter {
  return typeof (client as Partial<IdTokenMinter>).fetchIdToken === "function";
}

function requireAudience(audience: string): void {
  if (typeof audience !== "string" || audience.trim() === "") {
    throw new UsageError(`audience: ${JSON.stringify(audience)} is empty`, "pass the service URL (https://…run.app) or one of its custom audiences");
  }
}

/** Wraps a credential failure without its cause (GaxiosError carries request headers). */
function tokenError(what: string, error: unknown, impersonate: string | undefined): TokenError {
  const detail = safeMessage(error);
  const status = httpStatusOf(error);
  let hint = "check the credential: GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or the metadata server";
  if (impersonate && (status === 403 || /permission|denied/i.test(detail))) {
    hint = `grant the caller roles/iam.serviceAccountTokenCreator on ${impersonate} (gcloud iam service-accounts add-iam-policy-binding ${impersonate} --member=… --role=roles/iam.serviceAccountTokenCreator)`;
  } else if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN/.test(detail)) {
    hint = "the token endpoint could not be reached: check the network, DNS and any HTTPS_PROXY setting, then retry";
  } else if (/GOOGLE_APPLICATION_CREDENTIALS/.test(detail)) {
    hint = "GOOGLE_APPLICATION_CREDENTIALS names a file that cannot be read: fix the path, or unset it to use gcloud ADC or the metadata server";
  } else if (/Could not load the default credentials/i.test(detail)) {
    hint = "run gcloud auth application-default login, set GOOGLE_APPLICATION_CREDENTIALS to a key or credential config, or run on Google Cloud";
  }
  return new TokenError(`could not get an ${what}${impersonate ? ` as ${impersonate}` : ""}${status ? ` (HTTP ${status})` : ""}: ${detail}`, hint);
}

/**
 * With federation, the impersonated account calls generateIdToken on itself,
 * which needs iam.serviceAccounts.getOpenIdToken on itself.
 */
function federatedTokenError(error: unknown, email: string): TokenError {
  const status = httpStatusOf(error);
  const base = tokenError(`ID token as ${email} (workload identity federation)`, error, undefined);
  if (status !== 403 && !/permission|denied/i.test(safeMessage(error))) return base;
  return new TokenError(
    base.summary,
    `grant ${email} roles/iam.serviceAccountOpenIdTokenCreator on itself (gcloud iam service-accounts add-iam-policy-binding ${email} --member=serviceAccount:${email} --role=roles/iam.serviceAccountOpenIdTokenCreator)`,
  );
}

function httpStatusOf(error: unknown): number | undefined {
  const candidate = (error as { status?: unknown; response?: { status?: unknown } } | undefined) ?? {};
  const status = candidate.status ?? candidate.response?.status;
  return typeof status === "number" ? status : undefined;
}

/** The `exp` claim of a JWT in ms, or undefined when it is not readable. Not a verification: the issuer's answer is trusted. */
function expiryOf(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A source that always returns the same tokens: for tests, benchmarks, and tokens minted elsewhere. */
export class StaticTokenSource implements IdTokenSource, AccessTokenSource {
  constructor(private readonly tokens: { idToken?: string; accessToken?: string }) {}

  async getIdToken(): Promise<string> {
    if (!this.tokens.idToken) throw new TokenError("StaticTokenSource has no ID token");
    return this.tokens.idToken;
  }

  cachedIdToken(): string | undefined {
    return this.tokens.idToken || undefined;
  }

  async getAccessToken(): Promise<string> {
    if (!this.tokens.accessToken) throw new TokenError("StaticTokenSource has no access token");
    return this.tokens.accessToken;
  }
}
