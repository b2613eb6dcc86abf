/**
 * `npm run emulator -- [options]`: starts the local stand-ins (metadata
 * server, Google APIs, and with --upstream a Cloud Run front end), prints
 * their URLs and an environment block for a caller under test, and stops
 * everything on Ctrl-C.
 */
import { parseArgs } from "node:util";
import { safeMessage } from "../client/redact";
import { argumentError, EXIT, isArgumentError, runMain, UsageError, type MainResult } from "../runner/cli";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startEmulator, type Emulator, type EmulatorOptions } from "./emulator";
import { validateMembers } from "./members";

export const USAGE = `Usage: npm run emulator -- [options]

  --upstream URL             app to put a Cloud Run front end in front of (no front end without it)
  --invoker MEMBER           IAM member allowed to invoke (repeatable; default serviceAccount:<email>)
  --audience AUD             accepted ID-token audience (repeatable; default the front end's own URL)
  --propagation-delay-ms N   delay before an invoker change takes effect (default 0)
  --email EMAIL              metadata server identity (default runner@emulator-project.iam.gserviceaccount.com)
  --project ID               project id (default emulator-project)
  --region REGION            region of --job jobs (default asia-east1)
  --job NAME                 register a Cloud Run job the invokers may run and watch (repeatable)
  --write-key FILE           write a service-account key file for --email (google-auth-library ignores its
                             token_uri: load emulator/redirectPreload.ts with --import, as the banner shows)
  --port N                   front-end port (default ephemeral); --metadata-port, --apis-port likewise
  --help

On a terminal, type grant MEMBER / revoke MEMBER / invokers while it runs to change who may
invoke (taking effect after --propagation-delay-ms, as an IAM grant would).`;

/** Parsed command line. */
export interface CliOptions extends EmulatorOptions {
  region: string;
  jobs: string[];
  writeKey?: string;
}

/** Parses argv (without node and the script); throws an Error naming the bad option and the fix. */
export function parseCli(argv: string[]): CliOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      upstream: { type: "string" },
      invoker: { type: "string", multiple: true },
      audience: { type: "string", multiple: true },
      "propagation-delay-ms": { type: "string" },
      email: { type: "string" },
      project: { type: "string" },
      region: { type: "string" },
      job: { type: "string", multiple: true },
      "write-key": { type: "string" },
      port: { type: "string" },
      "metadata-port": { type: "string" },
      "apis-port": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";
  checkValues(values);
  return {
    upstream: values.upstream,
    invokers: values.invoker,
    audiences: values.audience,
    propagationDelayMs: integer("--propagation-delay-ms", values["propagation-delay-ms"]),
    email: values.email,
    projectId: values.project,
    region: values.region ?? "asia-east1",
    jobs: values.job ?? [],
    writeKey: values["write-key"],
    ports: { frontEnd: integer("--port", values.port), metadata: integer("--metadata-port", values["metadata-port"]), googleApis: integer("--apis-port", values["apis-port"]) },
  };
}

/** Lowercase letters, digits and hyphens: what the emulated Run Admin API accepts in a job's path. */
const RUN_PATH_SEGMENT = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Refuses, with the flag, the value and the fix, what the servers would
 * otherwise refuse under their own API names (exit 1) or silently ignore.
 */
function checkValues(values: { upstream?: string; invoker?: string[]; audience?: string[]; "propagation-delay-ms"?: string; project?: string; region?: string; job?: string[] }): void {
  if (values.upstream !== undefined && !isHttpUrl(values.upstream)) {
    throw new Error(`--upstream "${values.upstream}" is not an http(s) URL; pass the app's base URL, e.g. --upstream http://127.0.0.1:8080`);
  }
  if (values.upstream === undefined) {
    // Without a front end these flags would be ignored without a word (--invoker still governs --job jobs).
    const ignored = [
      values.invoker !== undefined && values.job === undefined ? "--invoker" : "",
      values.audience !== undefined ? "--audience" : "",
      values["propagation-delay-ms"] !== undefined ? "--propagation-delay-ms" : "",
    ].filter(Boolean);
    if (ignored.length > 0) {
      throw new Error(`${ignored.join(", ")} ${ignored.length === 1 ? "needs" : "need"} a front end: add --upstream URL (your app, e.g. --upstream http://127.0.0.1:8080)`);
    }
  }
  if (values.invoker !== undefined) validateMembers("--invoker", values.invoker);
  const segments: [flag: string, value: string | undefined, what: string, example: string][] = [
    ["--project", values.project, "a project id", "emulator-project"],
    ["--region", values.region, "a region", "asia-east1"],
    ...(values.job ?? []).map((job): [string, string, string, string] => ["--job", job, "a Cloud Run job name", "nightly"]),
  ];
  for (const [flag, value, what, example] of segments) {
    if (value !== undefined && !RUN_PATH_SEGMENT.test(value)) {
      throw new Error(`${flag} "${value}" is not ${what}; use lowercase letters, digits and hyphens, e.g. ${flag} ${example}`);
    }
  }
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${flag} "${value}" is not a whole number; pass e.g. ${flag} 8080`);
  return Number(value);
}

/** Starts what the options ask for and returns it with the text to print. */
export async function startFromCli(options: CliOptions): Promise<{ emulator: Emulator; banner: string }> {
  const emulator = await startEmulator(options);
  const email = emulator.metadata.email();
  const invokers = options.invokers ?? [`serviceAccount:${email}`];
  const project = options.projectId ?? "emulator-project";
  try {
    for (const name of options.jobs) {
      // Viewers = invokers so `runJob` can wait on the operation (run.operations.get).
      emulator.googleApis.registerJob({ project, region: options.region, name, invokers, viewers: invokers, durationMs: 2000 });
    }
    if (options.writeKey) {
      writeFileSync(options.writeKey, JSON.stringify(emulator.googleApis.createServiceAccountKey(email, project), null, 2), { mode: 0o600 });
    }
  } catch (error) {
    await emulator.close();
    throw error;
  }
  return { emulator, banner: banner(emulator, options, invokers, project) };
}

function banner(emulator: Emulator, options: CliOptions, invokers: string[], project: string): string {
  const lines: string[] = [];
  if (emulator.frontEnd) {
    lines.push(`Cloud Run front end  ${emulator.frontEnd.url}  ->  ${options.upstream}`);
    lines.push(`  audiences: ${(options.audiences?.length ? options.audiences : [emulator.frontEnd.url]).join(", ")}`);
    lines.push(`  invokers:  ${invokers.join(", ")}`);
  }
  lines.push(`Metadata server      ${emulator.metadata.url}  (identity ${emulator.metadata.email()})`);
  lines.push(`Google APIs          ${emulator.googleApis.url}  (/token, IAM Credentials, Run Admin v2 jobs, /oauth2/v3/certs)`);
  for (const job of options.jobs) lines.push(`  job: ${emulator.googleApis.url}/v2/projects/${project}/locations/${options.region}/jobs/${job}:run`);
  if (options.writeKey) lines.push(`Service-account key  ${options.writeKey}`);
  lines.push("", "# Environment for a caller under test:");
  for (const [name, value] of Object.entries(emulator.env)) lines.push(`export ${name}=${value}`);
  if (emulator.frontEnd) {
    lines.push("", "# Try it:", `npm run smoke -- --url ${emulator.frontEnd.url}`);
    if (options.writeKey) {
      // google-auth-library ignores the key's token_uri: the preload redirects its Google API calls here.
      lines.push(
        "# With the key file instead of the metadata server (the preload sends google-auth-library's calls for oauth2.googleapis.com here):",
        `GOOGLE_APPLICATION_CREDENTIALS=${options.writeKey} GCE_METADATA_HOST= METADATA_SERVER_DETECTION=none npx tsx --import ./emulator/redirectPreload.ts client/cli/smoke.ts --url ${emulator.frontEnd.url}`,
      );
    }
  }
  lines.push("", "Ctrl-C stops every server.");
  return lines.join("\n");
}

/**
 * The invoker list as last requested at the prompt (changes take effect after
 * the propagation delay, so the list in effect may still be an older one).
 */
export interface InvokerConsole {
  /** Applies one typed line (`grant MEMBER`, `revoke MEMBER`, `invokers`) and returns what to print. */
  apply(line: string): string;
}

/** Lets a person change the front end's invokers while it runs, as an IAM grant would. */
export function invokerConsole(emulator: Emulator, initial: string[], delayMs: number): InvokerConsole {
  let requested = [...initial];
  const help = "commands: grant MEMBER | revoke MEMBER | invokers   (MEMBER e.g. serviceAccount:sa@p.iam.gserviceaccount.com, user:you@example.com)";
  return {
    apply(line) {
      const frontEnd = emulator.frontEnd;
      if (!frontEnd) return "no front end (start with --upstream URL) so there are no invokers to change";
      const [command, member, ...rest] = line.trim().split(/\s+/);
      if (command === "" || command === undefined) return "";
      if (command === "invokers" && member === undefined) {
        return `in effect: ${frontEnd.invokers().join(", ") || "(none)"}\nrequested: ${requested.join(", ") || "(none)"}`;
      }
      if ((command !== "grant" && command !== "revoke") || member === undefined || rest.length > 0) return `"${line.trim()}" is not a command; ${help}`;
      const next = command === "grant" ? [...new Set([...requested, member])] : requested.filter((m) => m !== member);
      try {
        frontEnd.setInvokers(next);
      } catch (error) {
        // The front end names its own list ("setInvokers[2]: …"); at the prompt only the member matters.
        return `${command} ${member}: ${(error as Error).message.replace(/^[\w.]+\[\d+\]: /, "")}`;
      }
      requested = next;
      const when = delayMs > 0 ? `in ${delayMs / 1000}s (--propagation-delay-ms)` : "now";
      return `${command} ${member}: invokers will be [${next.join(", ")}] ${when}`;
    },
  };
}

export async function main(argv: string[]): Promise<MainResult> {
  const options = parseOrExplain(argv);
  if (options === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  let started: Awaited<ReturnType<typeof startFromCli>>;
  try {
    started = await startFromCli(options);
  } catch (error) {
    // A system error (a port in use, a key file that cannot be written) names its cause: exit 1.
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    console.error(`emulator: ${safeMessage(error)}`);
    return EXIT.failed;
  }
  console.log(started.banner);
  serveUntilStopped(started.emulator, options);
  return "serving";
}

/** Every problem with the command line is a usage error (exit 2, with the usage). */
function parseOrExplain(argv: string[]): CliOptions | "help" {
  try {
    return parseCli(argv);
  } catch (error) {
    if (isArgumentError(error)) throw argumentError(error, "npm run emulator -- --upstream URL", "npm run emulator -- --help");
    throw error instanceof UsageError ? error : new UsageError(safeMessage(error));
  }
}

/** Stops every server on Ctrl-C, SIGTERM or (at the prompt) Ctrl-D; on a terminal, lets a person change the invokers. */
function serveUntilStopped(emulator: Emulator, options: CliOptions): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(() => process.exit(EXIT.ok));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  if (emulator.frontEnd && process.stdin.isTTY) {
    const invokers = invokerConsole(emulator, options.invokers ?? [`serviceAccount:${emulator.metadata.email()}`], options.propagationDelayMs ?? 0);
    console.log("Type grant MEMBER / revoke MEMBER / invokers to change who may invoke, as IAM would (with the propagation delay).");
    const prompt = createInterface({ input: process.stdin });
    prompt.on("line", (line) => {
      const answer = invokers.apply(line);
      if (answer) console.log(answer);
    });
    prompt.on("close", stop); // Ctrl-D
  }
}

if (require.main === module) runMain("emulator", main, { usage: USAGE });
