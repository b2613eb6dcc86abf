import type { TokenIssuer } from "./tokenIssuer";
import type { MetadataServer } from "./metadataServer";
import type { GoogleApis } from "./googleApis";
import type { FrontEnd } from "./frontEnd";

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
}

/** Every piece of the emulator, started together. */
export interface Emulator {
  issuer: TokenIssuer;
  metadata: MetadataServer;
  googleApis: GoogleApis;
  /** Present when `upstream` was given. */
  frontEnd?: FrontEnd;
  /** Environment for a caller under test: GCE_METADATA_HOST etc. */
  env: Record<string, string>;
  /** Closes every server. */
  close(): Promise<void>;
}

/** Starts issuer + metadata server + Google APIs (+ a front end when `upstream` is set). */
export async function startEmulator(_options: EmulatorOptions = {}): Promise<Emulator> {
  throw new Error("not implemented");
}
