/**
 * The smoke and proxy CLIs against the emulator: google-auth-library's metadata path via
 * GCE_METADATA_HOST, jobs via PCR_RUN_API, impersonation via PCR_IAM_CREDENTIALS_ENDPOINT,
 * --stack via a fake `pulumi` on PATH. Each run sees only the environment given here
 * (nothing of the host's credentials). What needs a process runs as one (node + tsx): the
 * exit code and output of a whole run, `pulumi` found on the child's PATH, a terminal, a
 * proxy stopped by a signal, what jest's vm cannot do (see each test); the key-file preload
 * as a user passes it is test/emulator/cli.suite.ts's banner command. The other runs call
 * the CLI's main in this process through its own runner (test/support/cliInProcess.ts),
 * each with fresh modules, so no credential or cache of one run is seen by the next. A new
 * test calls smokeInProcess unless it needs one of those.
 */
import { ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmulator, startFrontEnd } from "../../emulator";
import type { Emulator, FrontEnd } from "../../emulator";
import { main as proxyMain } from "../../client/cli/proxy";
import { main as smokeMain } from "../../client/cli/smoke";
import { runCliInProcess } from "../support/cliInProcess";
import { TSX_NODE_ARGS } from "../support/tsxProcess";
import { expectNoTokenText, payloadOf, startEchoApp } from "./support";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "cli-test";
const REGION = "europe-west1";
const RUNNER = `runner@${PROJECT}.iam.gserviceaccount.com`;
const TARGET_SA = `smoke@${PROJECT}.iam.gserviceaccount.com`;
const KEY_SA = `key-holder@${PROJECT}.iam.gserviceaccount.com`;
const OUTSIDER = `outsider@${PROJECT}.iam.gserviceaccount.com`;

let app: Awaited<ReturnType<typeof startEchoApp>>;
let emulator: Emulator;
let locked: FrontEnd;
let tmp: string;
/** Everything every child printed, checked for token text at the end. */
const allOutput: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The whole environment of a run: the emulator's, an empty HOME, and `extraEnv`. */
function cliEnv(extraEnv: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: tmp,
    CLOUDSDK_CONFIG: tmp,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    ...emulator.env,
    PCR_RUN_API: emulator.googleApis.url,
    ...extraEnv,
  };
}

/** Runs a CLI to completion as a child process. */
function runCliProcess(script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...TSX_NODE_ARGS, path.join(ROOT, "client/cli", script), ...args], { env: cliEnv(extraEnv), timeout: 90_000 }, (error, stdout, stderr) => {
      allOutput.push(stdout, stderr);
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** Runs a CLI to completion in this process, with only that environment: for runs that end before any credential is used. */
async function runCliInProcessOnly(name: "smoke" | "proxy", args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const run = await runCliInProcess(name, name === "smoke" ? smokeMain : proxyMain, args, { env: cliEnv(extraEnv), isolateEnv: true });
  allOutput.push(run.stdout, run.stderr);
  return run;
}

const smoke = (args: string[], env?: Record<string, string>) => runCliProcess("smoke.ts", args, env);

/**
 * The smoke CLI's main in this process with only that environment, and modules of its own
 * (google-auth-library keeps credentials and the metadata server's answer per process).
 * `preload`: emulator/redirectPreload.ts (google-auth-library 10 ignores a key's token_uri; it
 * sends Google API requests to the emulator) applied to those modules, as `--import` does;
 * the preload as a user passes it, in a process, is test/emulator/cli.suite.ts's banner command.
 * gaxios (google-auth-library's HTTP layer) loads node-fetch with a dynamic import() unless
 * `window.fetch` exists, and jest's CommonJS vm refuses dynamic imports: in here it gets
 * Node's fetch (as test/plan/rehearsal.suite.ts does); the child-process runs use node-fetch.
 */
async function smokeInProcess(args: string[], extraEnv: Record<string, string> = {}, { preload = false } = {}): Promise<Run> {
  (globalThis as { window?: unknown }).window ??= { fetch: globalThis.fetch };
  let run: Run | undefined;
  await jest.isolateModulesAsync(async () => {
    const main = async (argv: string[]) => {
      if (preload) await import("../../emulator/redirectPreload");
      return (await import("../../client/cli/smoke")).main(argv);
    };
    run = await runCliInProcess("smoke", main, args, { env: cliEnv(extraEnv), isolateEnv: true });
  });
  allOutput.push(run!.stdout, run!.stderr);
  return run!;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pcr-cli-"));
  app = await startEchoApp();
  emulator = await startEmulator({ upstream: app.url, email: RUNNER, projectId: PROJECT, invokers: [`serviceAccount:${RUNNER}`, `serviceAccount:${TARGET_SA}`, `serviceAccount:${KEY_SA}`] });
  locked = await startFrontEnd({ upstream: app.url, issuer: emulator.issuer, audiences: [], invokers: ["user:alice@example.com"] });
  const me = `serviceAccount:${RUNNER}`;
  emulator.googleApis.registerJob({ project: PROJECT, region: REGION, name: "nightly", invokers: [me], viewers: [me], durationMs: 100 });
  emulator.googleApis.registerJob({ project: PROJECT, region: REGION, name: "unwatchable", invokers: [me], durationMs: 100 });
  const keyHolder = `serviceAccount:${KEY_SA}`;
  emulator.googleApis.registerJob({ project: PROJECT, region: REGION, name: "keyed", invokers: [keyHolder], viewers: [keyHolder], durationMs: 100 });
  // As the stacks grant: the smoke account may run it, the runner (the deploy account's stand-in) may also watch it.
  emulator.googleApis.registerJob({ project: PROJECT, region: REGION, name: "smoked", invokers: [me, `serviceAccount:${TARGET_SA}`], viewers: [me], durationMs: 100 });
}, 60_000);

afterAll(async () => {
  await Promise.all([locked?.close(), emulator?.close(), app?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

/** Stack outputs (only the fields the smoke test reads, plus the rest of the descriptor). */
function outputsFor(serviceUrl: string, jobName: string, options: { ingress?: string; smokeRun?: boolean } = {}) {
  const ingress = options.ingress ?? "all";
  const run = options.smokeRun ?? false;
  return {
    project: PROJECT,
    region: REGION,
    services: {
      hello: {
        url: serviceUrl,
        ingress,
        smokeTest: { kind: "service", name: "hello", url: serviceUrl, audience: serviceUrl, path: "/health/", ingress, expect: { anonymous: 403, outsider: 403, invoker: "2xx" }, commands: { user: "", serviceAccount: "" } },
      },
    },
    jobs: {
      [jobName]: {
        smokeTest: {
          kind: "job",
          name: jobName,
          project: PROJECT,
          region: REGION,
          runUrl: `https://run.googleapis.com/v2/projects/${PROJECT}/locations/${REGION}/jobs/${jobName}:run`,
          run,
          expect: { anonymous: 401, outsider: 403, invoker: "run.jobs.run", execution: run ? "succeeded" : "not-run" },
          commands: { execute: "" },
        },
      },
    },
  };
}

test("--url: every check passes, --json prints exactly one JSON document, exit 0", async () => {
  const run = await smoke(["--url", emulator.frontEnd!.url, "--json"]);
  expect(run.stderr).toBe("");
  const report = JSON.parse(run.stdout);
  expect(run.code).toBe(0);
  expect(report.passed).toBe(true);
  expect(report.services[0].caller).toBe(RUNNER);
  expect(report.services[0].checks.map((c: { check: string; passed: boolean }) => [c.check, c.passed])).toEqual([
    ["anonymous-is-refused", true],
    ["authorization-header", true],
    ["x-serverless-authorization-header", true],
  ]);
  // The app saw the X-Serverless check's unrelated Authorization, untouched.
  expect(app.received.some((r) => r.authorization === "Bearer app-own-credential-not-a-google-token" && r.xServerless !== undefined)).toBe(true);
});

test("--outputs FILE: services and jobs from the stack outputs, human report, no live progress off a terminal", async () => {
  const file = path.join(tmp, "outputs.json");
  await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "nightly")));
  const run = await smokeInProcess(["--outputs", file]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/✔ service hello/);
  expect(run.stdout).toMatch(/✔ job nightly \(projects\/cli-test\/locations\/europe-west1\/jobs\/nightly\): IAM checked, not executed \(smokeRun: false\)/);
  expect(run.stdout).toMatch(/✔ anonymous-run-refused: :run with no token → 401/);
  expect(run.stdout).toMatch(/✔ invoker-may-run: the caller holds run\.jobs\.run/);
  expect(run.stdout).toMatch(/Smoke test passed: 5\/5 checks/);
  expect(run.stdout).not.toContain("\x1b[");
});

test("--stack NAME runs the pulumi on PATH", async () => {
  const bin = path.join(tmp, "bin");
  await rm(bin, { recursive: true, force: true });
  await import("node:fs/promises").then((fs) => fs.mkdir(bin));
  await writeFile(path.join(tmp, "stack.json"), JSON.stringify(outputsFor(emulator.frontEnd!.url, "nightly")));
  await writeFile(path.join(bin, "pulumi"), `#!/bin/sh\n[ "$*" = "stack output --json --stack dev" ] || { echo "unexpected args: $*" >&2; exit 3; }\ncat "${tmp}/stack.json"\n`);
  await chmod(path.join(bin, "pulumi"), 0o755);
  const run = await smoke(["--stack", "dev", "--json"], { PATH: `${bin}:${process.env.PATH}` });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout);
  expect([report.services.length, report.jobs.length, report.passed]).toEqual([1, 1, true]);
});

test("a caller that is never granted fails at --timeout with what to grant, exit 1", async () => {
  const run = await smokeInProcess(["--url", locked.url, "--timeout", "0.5", "--header-mode", "authorization"]);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/✔ anonymous-is-refused/);
  expect(run.stdout).toMatch(/✘ authorization-header: 403 from .* after \d+ attempt\(s\)/);
  expect(run.stdout).toContain(`add serviceAccount:${RUNNER} to the service's invokers (roles/run.invoker)`);
  expect(run.stdout).not.toMatch(/x-serverless-authorization-header/);
  expect(run.stdout).toMatch(/Smoke test FAILED: 1 of 2 checks failed/);
});

test("on a terminal (script(1) gives it a pty) the wait shows live progress: check, attempt, elapsed, last status", async () => {
  const env = { PATH: process.env.PATH ?? "", HOME: tmp, CLOUDSDK_CONFIG: tmp, GOOGLE_CLOUD_PROJECT: PROJECT, ...emulator.env, TERM: "dumb" };
  const command = `${process.execPath} ${TSX_NODE_ARGS.join(" ")} ${path.join(ROOT, "client/cli/smoke.ts")} --url ${locked.url} --timeout 2 --header-mode authorization`;
  const output = await new Promise<string>((resolve) => {
    execFile("script", ["-qec", command, "/dev/null"], { env, timeout: 90_000 }, (_error, stdout, stderr) => resolve(stdout + stderr));
  });
  allOutput.push(output);
  // Each progress line rewrites the previous one: carriage return + "erase line" (ESC [2K).
  expect(output).toContain("\r\x1b[2K127.0.0.1 authorization-header: attempt 2, ");
  expect(output).toMatch(/authorization-header: attempt 2, \d+\.\ds, last 403/);
  expect(output).toMatch(/Smoke test FAILED/);
});

test("a smokeRun job the caller cannot watch fails with the run.operations.get hint", async () => {
  const file = path.join(tmp, "outputs-unwatchable.json");
  await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "unwatchable", { smokeRun: true })));
  const run = await smokeInProcess(["--outputs", file, "--json"]);
  expect(run.code).toBe(1);
  const report = JSON.parse(run.stdout);
  expect(report.services[0].passed).toBe(true);
  const execution = report.jobs[0].checks.find((check: { check: string }) => check.check === "job-execution");
  expect(execution).toMatchObject({ passed: false, status: 403 });
  expect(execution.hint).toMatch(/run\.operations\.get.*roles\/run\.viewer/);
});

test("without smokeRun the job is not executed", async () => {
  const before = emulator.googleApis.jobRuns().length;
  const file = path.join(tmp, "outputs-not-run.json");
  await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "unwatchable")));
  const run = await smokeInProcess(["--outputs", file, "--json"]);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout).jobs[0]).toMatchObject({ run: false, passed: true });
  expect(emulator.googleApis.jobRuns().length).toBe(before);
});

describe("--impersonate SMOKE --outsider OUTSIDER, as the deploy workflow runs it", () => {
  const iam = () => ({ PCR_IAM_CREDENTIALS_ENDPOINT: emulator.googleApis.url });

  test("anonymous 403, outsider 403, smoke invoker 2xx; the job's IAM as the smoke account; smokeRun executes as the credentials themselves", async () => {
    const before = emulator.googleApis.jobRuns().length;
    const file = path.join(tmp, "outputs-ci.json");
    await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "smoked", { smokeRun: true })));
    const run = await smoke(["--outputs", file, "--impersonate", TARGET_SA, "--outsider", OUTSIDER, "--json"], iam());
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(report.services[0].caller).toBe(TARGET_SA);
    expect(report.services[0].checks.map((c: { check: string; status: number }) => [c.check, c.status])).toEqual([
      ["anonymous-is-refused", 403],
      ["outsider-is-refused", 403],
      ["authorization-header", 200],
      ["x-serverless-authorization-header", 200],
    ]);
    expect(report.jobs[0].checks.map((c: { check: string; passed: boolean }) => [c.check, c.passed])).toEqual([
      ["anonymous-run-refused", true],
      ["outsider-run-refused", true],
      ["invoker-may-run", true],
      ["job-execution", true],
    ]);
    // The smoke account may run the job but not watch it: the execution is started by the caller's own credentials.
    expect(emulator.googleApis.jobRuns().slice(before).map((r) => r.caller)).toEqual([RUNNER]);
  });

  test("an outsider that is let in fails the run, exit 1", async () => {
    // The runner is an invoker of the front end: passed as the outsider, it gets in.
    const run = await smokeInProcess(["--url", emulator.frontEnd!.url, "--impersonate", TARGET_SA, "--outsider", RUNNER, "--header-mode", "authorization"], iam());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✘ outsider-is-refused: the outsider's ID token → 200, expected 403/);
    expect(run.stdout).toMatch(/someone who is not an invoker got in/);
  });

  test("an internal service is reported as not reachable from here, and the run passes", async () => {
    const file = path.join(tmp, "outputs-internal.json");
    await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "smoked", { ingress: "internal" })));
    const run = await smokeInProcess(["--outputs", file, "--impersonate", TARGET_SA, "--outsider", OUTSIDER], iam());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/– service hello \(http:\/\/127\.0\.0\.1:\d+\): not reachable from here: run from inside the VPC \(ingress internal\); pass --inside-vpc when running there/);
    expect(run.stdout).toMatch(/Smoke test passed: 3\/3 checks in [\d.]+s\. 1 service\(s\) not reachable from here, not checked\./);
  });

  test("--inside-vpc checks the internal service", async () => {
    const file = path.join(tmp, "outputs-internal.json");
    const run = await smokeInProcess(["--outputs", file, "--impersonate", TARGET_SA, "--outsider", OUTSIDER, "--inside-vpc", "--json"], iam());
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.services[0].skipped).toBeUndefined();
    expect(report.services[0].checks).toHaveLength(4);
  });
});

test("--impersonate mints as the target service account through PCR_IAM_CREDENTIALS_ENDPOINT", async () => {
  const run = await smokeInProcess(["--url", emulator.frontEnd!.url, "--impersonate", TARGET_SA, "--json"], { PCR_IAM_CREDENTIALS_ENDPOINT: emulator.googleApis.url });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout).services[0].caller).toBe(TARGET_SA);
});

describe("a service-account key file (GOOGLE_APPLICATION_CREDENTIALS)", () => {
  let keyEnv: Record<string, string>;
  beforeAll(async () => {
    const keyFile = path.join(tmp, "key-holder.json");
    await writeFile(keyFile, JSON.stringify(emulator.googleApis.createServiceAccountKey(KEY_SA, PROJECT)), { mode: 0o600 });
    // No metadata server: the only credential the child can find is the key file.
    keyEnv = { GOOGLE_APPLICATION_CREDENTIALS: keyFile, GCE_METADATA_HOST: "", METADATA_SERVER_DETECTION: "none" };
  });

  test("services and jobs pass as the key's account (ID token and access token from the key)", async () => {
    const file = path.join(tmp, "outputs-keyed.json");
    await writeFile(file, JSON.stringify(outputsFor(emulator.frontEnd!.url, "keyed", { smokeRun: true })));
    const run = await smokeInProcess(["--outputs", file, "--json"], keyEnv, { preload: true });
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout);
    expect(report.services[0].caller).toBe(KEY_SA);
    expect([run.code, report.passed, report.jobs[0].passed]).toEqual([0, true, true]);
    expect(emulator.googleApis.jobRuns().filter((r) => r.job.endsWith("/jobs/keyed")).map((r) => r.caller)).toEqual([KEY_SA]);
  });

  test("an impersonated_service_account ADC file (gcloud auth application-default login --impersonate-service-account) mints as the target, with its email", async () => {
    const adcFile = path.join(tmp, "impersonated-adc.json");
    const credential = {
      type: "impersonated_service_account",
      service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${TARGET_SA}:generateAccessToken`,
      source_credentials: emulator.googleApis.createAuthorizedUser("alice@example.com"),
    };
    await writeFile(adcFile, JSON.stringify(credential), { mode: 0o600 });
    const run = await smokeInProcess(["--url", emulator.frontEnd!.url, "--json"], { ...keyEnv, GOOGLE_APPLICATION_CREDENTIALS: adcFile }, { preload: true });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).services[0].caller).toBe(TARGET_SA);
  });

  test("a GOOGLE_APPLICATION_CREDENTIALS file that does not exist: the report says to fix the path", async () => {
    // A child process: google-auth-library names the variable only when the file error is an
    // `instanceof Error`, which Node's own errors are not inside jest's vm.
    const run = await smoke(["--url", emulator.frontEnd!.url, "--header-mode", "authorization", "--json"], { ...keyEnv, GOOGLE_APPLICATION_CREDENTIALS: path.join(tmp, "missing.json") });
    expect(run.code).toBe(1);
    const check = JSON.parse(run.stdout).services[0].checks[1];
    expect(check.message).toMatch(/could not get an ID token: .*missing\.json/);
    expect(check.hint).toMatch(/GOOGLE_APPLICATION_CREDENTIALS names a file that cannot be read: fix the path/);
  });

  test("without the preload the key's token request goes to Google: the report says it could not get a token", async () => {
    // Guards the tests above: they pass because of the key and the redirect, not some other credential.
    // A dead proxy keeps the request to Google on this machine (a child process: gaxios loads its
    // proxy agent with a dynamic import(), which jest's vm refuses).
    const run = await smoke(["--url", emulator.frontEnd!.url, "--timeout", "5", "--json"], { ...keyEnv, HTTPS_PROXY: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" });
    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(1);
    expect(report.services[0].checks[1]).toMatchObject({ check: "authorization-header", passed: false });
    expect(report.services[0].checks[1].message).toMatch(/could not get an ID token.*oauth2\.googleapis\.com/);
    expect(report.services[0].checks[1].hint).toMatch(/token endpoint could not be reached: check the network, DNS and any HTTPS_PROXY/);
  });
});

test.each([
  [["--url", "http://x", "--outputs", "f"], /--url and --outputs cannot be combined/],
  [[], /nothing to check/],
  [["--url", "http://x", "--timeout", "soon"], /--timeout: "soon" is not a positive number of seconds/],
  [["--url", "http://x", "--header-mode", "cookie"], /--header-mode: "cookie" is not a header mode\n {2}→ use --header-mode authorization or --header-mode x-serverless .*or leave it out to run both/],
  [["--outputs", "/nonexistent.json"], /--outputs: cannot read/],
  [["--url", "https://hello-abc123-de.a.run.app/whoami?x=1"], /--url: "https:\/\/hello-abc123-de.a.run.app\/whoami\?x=1" has a path; .*\n {2}→ pass --url https:\/\/hello-abc123-de.a.run.app --path \/whoami\?x=1/],
  [["--bogus"], /Unknown option '--bogus'.*\n {2}→ see npm run smoke -- --help$/m],
  // `npm run smoke --url X` (no lone --): npm keeps --url, the CLI sees only X.
  [["https://hello-abc123-de.a.run.app"], /Unexpected argument 'https:\/\/hello-abc123-de.a.run.app'.*\n {2}→ put the options after a lone --, e.g. npm run smoke -- --url URL/],
  [["--url", "http://x", "--impersonate", "notanemail"], /--impersonate: "notanemail" is not a service account email\n {2}→ pass the email of a service account/],
  [["--url", "http://x", "--impersonate", "", "--outsider", OUTSIDER], /--impersonate is empty\n {2}→ pass a service account email; in CI, set the repository variable the step reads \(GCP_SMOKE_SERVICE_ACCOUNT_<STACK>/],
  [["--url", "http://x", "--impersonate", TARGET_SA, "--outsider", " "], /--outsider is empty\n {2}→ .*GCP_OUTSIDER_SERVICE_ACCOUNT_<STACK>/],
  [["--url", "http://x", "--outsider", "nobody"], /--outsider: "nobody" is not a service account email\n {2}→ pass the email of a service account/],
  [["--url", "http://x", "--impersonate", TARGET_SA, "--outsider", TARGET_SA], /--outsider: "smoke@cli-test.iam.gserviceaccount.com" is also --impersonate\n {2}→ the outsider must be an account with no grant/],
])("usage error %j → exit 2 with the fix", async (args, message) => {
  const run = await runCliInProcessOnly("smoke", args);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stdout).toBe("");
});

test("usage errors with --json are one JSON document too", async () => {
  const run = await runCliInProcessOnly("smoke", ["--json", "--timeout", "0", "--url", "http://x"]);
  expect(run.code).toBe(2);
  expect(JSON.parse(run.stdout)).toMatchObject({ passed: false, error: { message: '--timeout: "0" is not a positive number of seconds' } });
});

describe("npm run proxy", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill("SIGTERM");
  });

  test("forwards local requests with a fresh ID token", async () => {
    const env = { PATH: process.env.PATH ?? "", HOME: tmp, CLOUDSDK_CONFIG: tmp, GOOGLE_CLOUD_PROJECT: PROJECT, ...emulator.env };
    child = spawn(process.execPath, [...TSX_NODE_ARGS, path.join(ROOT, "client/cli/proxy.ts"), "--url", emulator.frontEnd!.url, "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    child.stderr?.on("data", (chunk) => output.push(String(chunk)));
    const proxyUrl = await new Promise<string>((resolve, reject) => {
      child!.stdout?.on("data", (chunk) => {
        output.push(String(chunk));
        const match = /Proxying (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(""));
        if (match) resolve(match[1]);
      });
      child!.once("exit", (code) => reject(new Error(`proxy exited with ${code}: ${output.join("")}`)));
    });
    app.received.length = 0;
    const response = await fetch(`${proxyUrl}/health/`);
    expect(response.status).toBe(200);
    expect(payloadOf(app.received[0].authorization)).toMatchObject({ email: RUNNER });
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    allOutput.push(output.join(""));
    expect(output.join("")).toMatch(/GET \/health\/ → 200/);
    expect(output.join("")).toContain(`(audience ${emulator.frontEnd!.url}) as ${RUNNER}. Ctrl-C to stop.`);
  });
});

// Credentials that cannot load: a flag error must still be reported as itself (exit 2), before any token mint.
test.each([
  [["--url", "http://127.0.0.1:9", "--port", "abc"], /^proxy: --port: "abc" is not a port\n {2}→ use 0-65535/],
  [["--url", "http://127.0.0.1:9", "--header-mode", "both"], /^proxy: --header-mode: "both" is not a header mode; use one of auto, authorization, x-serverless\n {2}→ see npm run proxy -- --help/],
  [["--url", "http://127.0.0.1:9", "--bogus"], /^proxy: Unknown option '--bogus'.*\n {2}→ see npm run proxy -- --help/],
  [["http://127.0.0.1:9"], /^proxy: Unexpected argument 'http:\/\/127.0.0.1:9'.*\n {2}→ put the options after a lone --, e.g. npm run proxy -- --url URL/],
  [[], /^proxy: --url is required\n {2}→ e\.g\. npm run proxy -- --url /],
  [["--url", "http://127.0.0.1:9/api"], /^proxy: --url: "http:\/\/127.0.0.1:9\/api" has a path; .*\n {2}→ pass --url http:\/\/127.0.0.1:9 and request \/api on the local port/],
])("proxy usage error %j → exit 2 with the fix, before credentials are tried", async (args, message) => {
  const run = await runCliInProcessOnly("proxy", args, { GOOGLE_APPLICATION_CREDENTIALS: path.join(tmp, "missing.json") });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/ID token|credentials/i);
  expect(run.stdout).toBe("");
});

test("no token text in anything the CLIs printed", () => {
  expect(allOutput.join("").length).toBeGreaterThan(0);
  expectNoTokenText(allOutput.join("\n"));
});
