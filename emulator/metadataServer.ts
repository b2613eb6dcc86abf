import type { TokenIssuer } from "./tokenIssuer";
import type { RunningServer } from "./types";

/** Options of {@link startMetadataServer}. */
export interface MetadataServerOptions {
  issuer: TokenIssuer;
  /** The identity of the "default" service account. */
  email: string;
  projectId: string;
  /** @default 0 (ephemeral) */
  port?: number;
}

/** A running metadata server. */
export interface MetadataServer extends RunningServer {
  /** "127.0.0.1:PORT", the value for GCE_METADATA_HOST. */
  host: string;
  /** Changes the default service account's identity for tokens minted from now on. */
  setEmail(email: string): void;
}

/** Starts a GCE/Cloud Run metadata server stand-in (Metadata-Flavor: Google). */
export async function startMetadataServer(_options: MetadataServerOptions): Promise<MetadataServer> {
  throw new Error("not implemented");
}
