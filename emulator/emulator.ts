import { TokenIssuer } from "./tokenIssuer";
import { type MetadataServer, startMetadataServer } from "./metadataServer";
import { type GoogleApis, startGoogleApis } from "./googleApis";
import { type FrontEnd, startFrontEnd } from "./frontEnd";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Identity of the metadata server's default service account. @default "runner@emulator-project.iam.gserviceaccount.com" */
  email?: string;
  /** @default "emulator-project" */
  projectId?: string;
  /** App to put a front end in front of; no front end without it. */
  upstream?: string;
  /** Front end's accepted audiences. @default [the front end's own URL] */
  audiences?: string[];
  /** Front end's invokers. @default [`serviceAccount:${email}`] */
  invokers?: string[];
  propagationDelayMs?: number;
  /** Fixed ports (0 or absent: ephemeral). */
  ports?: { metadata?: number; googleApis?: number; frontEnd?: number };
}

/** Every piece of the emulator, started together. */
export interface Emulator {
  issuer: TokenIssuer;
  metadata: MetadataServer;
  googleApis: GoogleApis;
  /** Present when `upstream` was given. */
  frontEnd?: FrontEnd;
  /**
   * Environment for a caller under test: GCE_METADATA_HOST (google-auth-library's
   * metadata path), METADATA_SERVER_DETECTION=assume-present, the Google APIs base
   * URL as EMULATOR_GOOGLE_APIS_URL and as the client CLIs' PCR_RUN_API and
   * PCR_IAM_CREDENTIALS_ENDPOINT, and EMULATOR_SERVICE_URL when there is a front end.
   */
  env: Record<string, string>;
  /** Closes every server. */
  close(): Promise<void>;
}

/** Starts issuer + metadata server + Google APIs (+ a front end when `upstream` is set). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const email = options.email ?? "runner@emulator-project.iam.gserviceaccount.com";
  const issuer = new TokenIssuer();
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(started.map((server) => server.close()));
  };
  try {
    const metadata = await startMetadataServer({ issuer, email, projectId: options.projectId ?? "emulator-project", port: options.ports?.metadata });
    started.push(metadata);
    const googleApis = await startGoogleApis({ issuer, port: options.ports?.googleApis });
    started.push(googleApis);
    let frontEnd: FrontEnd | undefined;
    if (options.upstream) {
      frontEnd = await startFrontEnd({
        upstream: options.upstream,
        issuer,
        // Verify through the keys the metadata server publishes, over HTTP, as Cloud Run uses Google's certs.
        jwksUrl: metadata.certsUrl,
        audiences: options.audiences ?? [],
        invokers: options.invokers ?? [`serviceAccount:${email}`],
        propagationDelayMs: options.propagationDelayMs,
        port: options.ports?.frontEnd,
      });
      started.push(frontEnd);
    }
    const env: Record<string, string> = {
      GCE_METADATA_HOST: metadata.host,
      METADATA_SERVER_DETECTION: "assume-present",
      EMULATOR_GOOGLE_APIS_URL: googleApis.url,
      // The endpoints the client's CLIs (npm run smoke / proxy) read (client/env.ts).
      PCR_RUN_API: googleApis.url,
      PCR_IAM_CREDENTIALS_ENDPOINT: googleApis.url,
    };
    if (frontEnd) env.EMULATOR_SERVICE_URL = frontEnd.url;
    return { issuer, metadata, googleApis, frontEnd, env, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
