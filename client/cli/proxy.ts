/**
 * `npm run proxy -- --url URL [--port 8080]`: a local port that forwards to a
 * private Cloud Run service with a valid ID token on each request, like
 * `gcloud run services proxy`. Listens on 127.0.0.1 only.
 */
import { parseArgs } from "node:util";
import { argumentError, EXIT, runMain, UsageError, type MainResult } from "../../runner/cli";
import { claimsOf } from "../diagnose";
import { ClientError } from "../errors";
import { parseHeaderMode, type HeaderMode } from "../headers";
import { startProxy } from "../proxy";
import { safeMessage } from "../redact";
import { parsePort, parseUrl, tokenSourceFor } from "./common";

const USAGE = `Usage: npm run proxy -- --url URL [--port 8080] [--audience AUD] [--header-mode auto|authorization|x-serverless] [--impersonate SA]

Forwards http://127.0.0.1:PORT to the private service, adding your ID token to every request
(X-Serverless-Authorization when the request already has its own Authorization).
Anyone who can reach the port calls the service as you: it listens on 127.0.0.1 only.`;

interface Options {
  url: URL;
  port: number;
  audience: string;
  headerMode: HeaderMode;
  impersonate?: string;
}

/**
 * Every flag, checked before the first token mint, so a typo is reported as a typo
 * (exit 2), not hidden behind a credential error or a wait on the metadata server.
 */
function parseOptions(argv: string[]): Options | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: "string" },
        port: { type: "string", default: "8080" },
        audience: { type: "string" },
        "header-mode": { type: "string", default: "auto" },
        impersonate: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw argumentError(error, "npm run proxy -- --url URL", "npm run proxy -- --help");
  }
  if (values.help) return "help";
  if (values.url === undefined) throw new UsageError("--url is required", "e.g. npm run proxy -- --url https://hello-abc123-de.a.run.app");
  const url = parseUrl(values.url, "--url");
  if (url.pathname !== "/" || url.search !== "") {
    // Local paths are forwarded as they are, onto the origin: a path in --url would be dropped without a word.
    throw new UsageError(`--url: "${values.url}" has a path; the proxy forwards each local path to the service's origin`, `pass --url ${url.origin} and request ${url.pathname}${url.search} on the local port`);
  }
  return { url, port: parsePort(values.port, "--port"), audience: values.audience ?? url.origin, headerMode: headerModeFlag(values["header-mode"]), impersonate: values.impersonate };
}

function headerModeFlag(value: string): HeaderMode {
  try {
    return parseHeaderMode(value, "--header-mode");
  } catch (error) {
    throw new UsageError(safeMessage(error), "see npm run proxy -- --help");
  }
}

export async function main(argv: string[]): Promise<MainResult> {
  const options = parseOptions(argv);
  if (options === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  try {
    await serve(options);
    return "serving";
  } catch (error) {
    // Named failures (credentials, a port in use) exit 1 with their fix; the rest is unexpected (exit 4).
    if (error instanceof ClientError && !(error instanceof UsageError)) return failed(error.message);
    if ((error as { code?: string }).code === "EADDRINUSE") return failed(`${safeMessage(error)}\n  → the port is taken: pick another with --port N, or --port 0 for any free port`);
    throw error;
  }
}

async function serve({ url, port, audience, headerMode, impersonate }: Options): Promise<void> {
  const tokens = tokenSourceFor(impersonate);
  // Mint once up front: a credential problem shows now, not on the first browser request.
  // Its email claim (never the token) names the identity an "add it to the invokers" fix is about.
  const caller = claimsOf(await tokens.getIdToken(audience))?.email;
  const proxy = await startProxy({ url: url.toString(), audience, tokens, port, headerMode, log: (line) => console.log(line) });
  console.log(`Proxying ${proxy.url} → ${url.origin} (audience ${audience})${caller ? ` as ${caller}` : ""}. Ctrl-C to stop.`);
  const stop = () => void proxy.close().then(() => process.exit(EXIT.ok));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function failed(message: string): number {
  console.error(`proxy: ${message}`);
  return EXIT.failed;
}

if (require.main === module) runMain("proxy", main);
