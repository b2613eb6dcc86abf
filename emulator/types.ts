/**
 * Shared shapes of the emulator's servers (docs/emulator.md). Every server is a real
 * node:http server bound to 127.0.0.1 (port 0 = an ephemeral port by default).
 */

/** A running emulator server. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** Stops accepting connections, ends open ones, resolves when the port is free. */
  close(): Promise<void>;
}
