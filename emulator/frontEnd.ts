import type { TokenIssuer } from "./tokenIssuer";
import type { RunningServer } from "./types";

/** Options of {@link startFrontEnd}. */
export interface FrontEndOptions {
  /** Base URL of the app behind the front end, e.g. "http://127.0.0.1:8080". */
  upstream: string;
  /** Issuer whose ID tokens are accepted. */
  issuer: TokenIssuer;
  /** Accepted `aud` values (the service URL, custom audiences). Empty: the front end's own URL (and with a trailing slash). */
  audiences: string[];
  /** IAM members holding run.routes.invoke: `user:`, `serviceAccount:`, `domain:`, `group:`. Never allUsers/allAuthenticatedUsers. */
  invokers: string[];
  /** Members of `group:` invokers: group email → member emails. @default {} */
  groups?: Record<string, string[]>;
  /** How long after setInvokers() the new list takes effect (IAM propagation). @default 0 */
  propagationDelayMs?: number;
  /** @default 0 (ephemeral) */
  port?: number;
}

/** A running Cloud Run front end. */
export interface FrontEnd extends RunningServer {
  /** Replaces the invoker list; takes effect after propagationDelayMs. */
  setInvokers(members: string[]): void;
  /** The invoker list in effect now. */
  invokers(): string[];
}

/** Starts a Cloud Run front-end stand-in in front of `upstream`. */
export async function startFrontEnd(_options: FrontEndOptions): Promise<FrontEnd> {
  throw new Error("not implemented");
}
