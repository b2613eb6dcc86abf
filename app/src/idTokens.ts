/**
 * ID tokens for calling another Cloud Run service, from the metadata server every
 * Cloud Run instance has: `GET /computeMetadata/v1/instance/service-accounts/default/
 * identity?audience=AUD` with `Metadata-Flavor: Google` answers a Google-signed ID
 * token of the instance's runtime account for that audience
 * (https://cloud.google.com/run/docs/authenticating/service-to-service).
 *
 * A token is reused until five minutes before it expires (Google's ID tokens live
 * one hour), so a busy caller does not ask for one per request. No token ever goes
 * into an error message or a log line.
 */
import { decodeJwt } from "./identity";
import { fetchFailureCode } from "./fetchFailure";

/** How long the metadata server may take to mint a token. */
export const ID_TOKEN_TIMEOUT_MS = 2000;
/** A cached token is replaced this long before its `exp`. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Why no token could be had: the message names the metadata server and what it did, never a token. */
export class IdTokenError extends Error {
  override name = "IdTokenError";
}

/** Mints ID tokens for an audience. */
export interface IdTokenSource {
  token(audience: string): Promise<string>;
}

/** The metadata server's address: GCE_METADATA_HOST (tests and the local rehearsal), else Cloud Run's. */
export function metadataHost(env: NodeJS.ProcessEnv): string {
  return env.GCE_METADATA_HOST?.trim() || env.GCE_METADATA_IP?.trim() || "metadata.google.internal";
}

/** ID tokens of this instance's runtime account, from the metadata server at `host`. */
export function metadataIdTokens(host: string, now: () => number = Date.now): IdTokenSource {
  const cached = new Map<string, { token: string; refreshAtMs: number }>();
  const pending = new Map<string, Promise<string>>();
  return {
    token(audience) {
      const hit = cached.get(audience);
      if (hit && now() < hit.refreshAtMs) return Promise.resolve(hit.token);
      // Concurrent requests share one fetch.
      let inFlight = pending.get(audience);
      if (!inFlight) {
        inFlight = fetchIdToken(host, audience)
          .then((token) => {
            const exp = expiryMs(token);
            if (exp !== undefined) cached.set(audience, { token, refreshAtMs: exp - REFRESH_MARGIN_MS });
            return token;
          })
          .finally(() => pending.delete(audience));
        pending.set(audience, inFlight);
      }
      return inFlight;
    },
  };
}

async function fetchIdToken(host: string, audience: string): Promise<string> {
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { "Metadata-Flavor": "Google" }, redirect: "error", signal: AbortSignal.timeout(ID_TOKEN_TIMEOUT_MS) });
  } catch (error) {
    throw new IdTokenError(`metadata server at ${host} unreachable: ${fetchFailureCode(error)}`);
  }
  const body = (await response.text()).trim();
  // A real metadata server always answers with this header; anything else is not one.
  if (response.headers.get("metadata-flavor") !== "Google") throw new IdTokenError(`metadata server at ${host} did not answer with Metadata-Flavor: Google`);
  if (!response.ok) throw new IdTokenError(`metadata server at ${host} answered HTTP ${response.status} for an ID token`);
  if ("problem" in decodeJwt(body)) throw new IdTokenError(`metadata server at ${host} answered something that is not an ID token`);
  return body;
}

/** The token's `exp` in epoch ms, or undefined when it has none (then it is not cached). */
function expiryMs(token: string): number | undefined {
  const decoded = decodeJwt(token);
  if ("problem" in decoded) return undefined;
  const exp = decoded.claims.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
}
