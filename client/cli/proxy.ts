/**
 * `npm run proxy -- --url URL [--port 8080]`: a local port that forwards to a
 * private Cloud Run service with a valid ID token on each request, like
 * `gcloud run services proxy`. Listens on 127.0.0.1 only.
 */
import { parseArgs } from "node:util";
import { claimsOf } from "../diagnose";
import { ClientError, UsageError } from "../errors";
import { parseHeaderMode } from "../headers";
import { startProxy } from "../proxy";
import { safeMessage } from "../redact";
import { argumentErrorHint, parsePort, parseUrl, tokenSourceFor } from "./common";

const USAGE = `Usage: npm run proxy -- --url URL [--port 8080] [--audience AUD] [--header-mode auto|authorization|x-serverless] [--impersonate SA]

Forwards http://127.0.0.1:PORT to the private service, adding your ID token to every request
(X-Serverless-Authorization when the request already has its own Authorization).
Anyone who can reach the port calls the service as you: it listens on 127.0.0.1 only.`;

async function main(argv: string[]): Promise<number> {
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
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.url === undefined) throw new UsageError("--url is required", "e.g. npm run proxy -- --url https://hello-abc123-de.a.run.app");
    const url = parseUrl(values.url, "--url");
    if (url.pathname !== "/" || url.search !== "") {
      // Local paths are forwarded as they are, onto the origin: a path in --url would be dropped without a word.
      throw new UsageError(`--url: "${values.url}" has a path; the proxy forwards each local path to the service's origin`, `pass --url ${url.origin} and request ${url.pathname}${url.search} on the local port`);
    }
    // Every flag is checked before the first token mint, so a typo is reported as a typo (exit 2),
    // not hidden behind a credential error or a wait on the metadata server.
    const port = parsePort(values.port, "--port");
    const headerMode = parseHeaderMode(values["header-mode"], "--header-mode");
    const tokens = tokenSourceFor(values.impersonate);
    const audience = values.audience ?? url.origin;
    // Mint once up front: a credential problem shows now, not on the first browser request.
    // Its email claim (never the token) names the identity an "add it to the invokers" fix is about.
    const caller = claimsOf(await tokens.getIdToken(audience))?.email;
    const proxy = await startProxy({ url: url.toString(), audience, tokens, port, headerMode, log: (line) => console.log(line) });
    console.log(`Proxying ${proxy.url} → ${url.origin} (audience ${audience})${caller ? ` as ${caller}` : ""}. Ctrl-C to stop.`);
    const stop = () => void proxy.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return 0;
  } catch (error) {
    const message = error instanceof ClientError ? error.message : safeMessage(error);
    const code = (error as { code?: string }).code;
    const badArguments = code?.startsWith("ERR_PARSE_ARGS") || error instanceof RangeError;
    const hint =
      code === "EADDRINUSE" ? `\n  → the port is taken: pick another with --port N, or --port 0 for any free port`
      : badArguments ? `\n  → ${argumentErrorHint(error, "proxy")}`
      : "";
    console.error(`proxy: ${message}${hint}`);
    return error instanceof UsageError || badArguments ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exitCode = code;
  });
}
