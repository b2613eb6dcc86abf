import * as http from "node:http";
import type { TokenIssuer } from "./tokenIssuer";
import { uniqueIdFor } from "./tokenIssuer";
import type { RunningServer } from "./types";
import { HttpError, handle, listenLocal, sendText } from "./http";

/** Options of {@link startMetadataServer}. */
export interface MetadataServerOptions {
  issuer: TokenIssuer;
  /** The identity of the "default" service account. */
  email: string;
  projectId: string;
  /** Served at /instance/region as `projects/NUMBER/regions/REGION`, as on Cloud Run. @default "asia-east1" */
  region?: string;
  /** @default 0 (ephemeral) */
  port?: number;
}

/** A running metadata server. */
export interface MetadataServer extends RunningServer {
  /** "127.0.0.1:PORT", the value for GCE_METADATA_HOST. */
  host: string;
  /** Where the signing keys of the tokens it mints are published (JWKS), for a front end's `jwksUrl`. */
  certsUrl: string;
  /** Changes the default service account's identity for tokens minted from now on. */
  setEmail(email: string): void;
  /** The default service account's identity now. */
  email(): string;
}

const BASE = "/computeMetadata/v1";
/** Not on the real metadata server (Google publishes at www.googleapis.com): the emulator's own addition. */
const CERTS_PATH = "/oauth2/v3/certs";
/** Every response carries it; google-auth-library (gcp-metadata) rejects responses without it. */
const FLAVOR = { "metadata-flavor": "Google", server: "Metadata Server for VM" };
const DEFAULT_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/userinfo.email"];

type Route = (query: URLSearchParams) => Promise<string> | string;

/**
 * Starts a GCE / Cloud Run metadata server stand-in. Point google-auth-library
 * at it with `GCE_METADATA_HOST=<host>`. Every request must carry
 * `Metadata-Flavor: Google` (403 otherwise, as on the real server).
 */
export async function startMetadataServer(options: MetadataServerOptions): Promise<MetadataServer> {
  let email = options.email;
  const region = options.region ?? "asia-east1";
  const numericProjectId = uniqueIdFor(options.projectId).slice(0, 12);
  const account = (name: string): string => {
    if (name !== "default" && name !== email) throw new HttpError(404, `service account ${name} not found on this instance`);
    return email;
  };
  const serviceAccountRoute = (name: string, leaf: string): Route | undefined => {
    const routes: Record<string, Route> = {
      "": () => "aliases\nemail\nidentity\nscopes\ntoken\n",
      email: () => account(name),
      aliases: () => (account(name), "default\n"),
      scopes: () => (account(name), `${DEFAULT_SCOPES.join("\n")}\n`),
      token: () => JSON.stringify({ access_token: options.issuer.mintAccessToken(account(name)), expires_in: 3599, token_type: "Bearer" }),
      identity: (query) => mintIdentity(options.issuer, account(name), query),
    };
    return routes[leaf];
  };
  const fixed: Record<string, Route> = {
    "/": () => "computeMetadata/\n",
    [`${BASE}`]: () => "instance/\nproject/\nuniverse/\n",
    [`${BASE}/instance`]: () => "id\nregion\nservice-accounts/\nzone\n",
    [`${BASE}/instance/id`]: () => uniqueIdFor(`instance:${options.projectId}`),
    [`${BASE}/instance/region`]: () => `projects/${numericProjectId}/regions/${region}`,
    [`${BASE}/instance/zone`]: () => `projects/${numericProjectId}/zones/${region}-1`,
    [`${BASE}/instance/service-accounts`]: () => `default/\n${email}/\n`,
    [`${BASE}/project`]: () => "numeric-project-id\nproject-id\n",
    [`${BASE}/project/project-id`]: () => options.projectId,
    [`${BASE}/project/numeric-project-id`]: () => numericProjectId,
    [`${BASE}/universe/universe-domain`]: () => "googleapis.com",
  };
  const route = (path: string): Route | undefined => {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
    const account = new RegExp(`^${BASE}/instance/service-accounts/([^/]+)(?:/([a-z-]*))?$`).exec(trimmed);
    if (account) return serviceAccountRoute(decodeURIComponent(account[1]), account[2] ?? "");
    return fixed[trimmed];
  };

  const server = http.createServer(
    handle(
      (res, error) => sendText(res, error.status, `${error.message}\n`, FLAVOR),
      async (req, res) => {
        const url = new URL(req.url ?? "/", "http://metadata.google.internal");
        // Published keys, like https://www.googleapis.com/oauth2/v3/certs: public, no Metadata-Flavor needed.
        if (url.pathname === CERTS_PATH && req.method === "GET") return sendText(res, 200, JSON.stringify(options.issuer.jwks()), { ...FLAVOR, "content-type": "application/json" });
        if (req.headers["metadata-flavor"] !== "Google") throw new HttpError(403, "Missing Metadata-Flavor:Google header.");
        if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `method ${req.method} not allowed`);
        const handler = route(url.pathname);
        if (!handler) throw new HttpError(404, `${url.pathname} not found`);
        const body = await handler(url.searchParams);
        const json = body.startsWith("{");
        sendText(res, 200, body, { ...FLAVOR, "content-type": json ? "application/json" : "application/text" });
      },
    ),
  );
  const { url, port, close } = await listenLocal(server, options.port);
  return {
    url,
    host: `127.0.0.1:${port}`,
    certsUrl: `${url}${CERTS_PATH}`,
    close,
    setEmail: (next) => {
      email = next;
    },
    email: () => email,
  };
}

/** The identity route: an ID token for `audience` (required, as on the real server). */
async function mintIdentity(issuer: TokenIssuer, email: string, query: URLSearchParams): Promise<string> {
  const audience = query.get("audience");
  if (!audience) throw new HttpError(400, "non-empty audience parameter required");
  return issuer.mintIdToken({ email, audience });
}
