/** Pieces shared by the smoke and proxy CLIs. */
import { clientEnvironment } from "../env";
import { GoogleTokenSource } from "../idTokens";
import { UsageError } from "../errors";

/** Token source from ADC (or impersonating `impersonate`, named `flag` on the command line), with endpoints from the environment. */
export function tokenSourceFor(impersonate: string | undefined, flag = "--impersonate"): GoogleTokenSource {
  const { iamCredentialsEndpoint } = clientEnvironment();
  try {
    return new GoogleTokenSource({ impersonate, iamCredentialsEndpoint });
  } catch (error) {
    // Name the flag the person typed, not the library option.
    if (error instanceof UsageError) throw new UsageError(error.summary.replace(/^impersonate:/, `${flag}:`), error.hint);
    throw error;
  }
}

/** A positive number of seconds, or a UsageError naming the flag. */
export function parseSeconds(value: string, flag: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${flag}: "${value}" is not a positive number of seconds`, `e.g. ${flag} 600`);
  return seconds;
}

/** A TCP port (0 = any free port), or a UsageError naming the flag. */
export function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag}: "${value}" is not a port`, `use 0-65535, e.g. ${flag} 8080`);
  return port;
}

/** An absolute http(s) URL, or a UsageError naming the flag. */
export function parseUrl(value: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: "${value}" is not a URL`, `pass the service URL, e.g. ${flag} https://hello-abc123-de.a.run.app`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`${flag}: "${value}" must be http(s)`, `pass the service URL, e.g. ${flag} https://hello-abc123-de.a.run.app`);
  return url;
}
