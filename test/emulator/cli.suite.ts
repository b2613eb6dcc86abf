import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokerConsole, main, parseCli, startFromCli, USAGE } from "../../emulator/cli";
import { startEmulator } from "../../emulator";
import { runCliInProcess } from "../support/cliInProcess";
import { TSX_NODE_ARGS } from "../support/tsxProcess";
import { startEchoApp } from "./support";

const ROOT = join(__dirname, "..", "..");

describe("npm run emulator: argument parsing", () => {
  test("defaults and repeatable options", () => {
    expect(parseCli(["--upstream", "http://127.0.0.1:8080", "--invoker", "user:a@example.com", "--invoker", "group:g@example.com", "--job", "nightly"])).toMatchObject({
      upstream: "http://127.0.0.1:8080",
      invokers: ["user:a@example.com", "group:g@example.com"],
      jobs: ["nightly"],
      region: "asia-east1",
      ports: { frontEnd: undefined },
    });
    expect(parseCli(["--help"])).toBe("help");
  });

  test("bad input names the option, the value and the fix", () => {
    expect(() => parseCli(["--port", "eighty"])).toThrow('--port "eighty" is not a whole number; pass e.g. --port 8080');
    expect(() => parseCli(["--nope"])).toThrow(/nope/);
    const app = ["--upstream", "http://127.0.0.1:8080"];
    expect(() => parseCli(["--upstream", "localhost:8080"])).toThrow('--upstream "localhost:8080" is not an http(s) URL; pass the app\'s base URL, e.g. --upstream http://127.0.0.1:8080');
    expect(() => parseCli([...app, "--invoker", "allUsers"])).toThrow('--invoker[0]: "allUsers" would make it public');
    expect(() => parseCli([...app, "--invoker", "bob@example.com"])).toThrow('--invoker[0]: "bob@example.com" is not an IAM member; write it as user:EMAIL');
    expect(() => parseCli([...app, "--job", "Nightly_Job"])).toThrow('--job "Nightly_Job" is not a Cloud Run job name; use lowercase letters, digits and hyphens, e.g. --job nightly');
    expect(() => parseCli(["--project", "My Project"])).toThrow('--project "My Project" is not a project id');
  });

  test("options that only a front end uses are refused without --upstream, instead of being ignored", () => {
    expect(() => parseCli(["--invoker", "user:a@example.com"])).toThrow("--invoker needs a front end: add --upstream URL");
    expect(() => parseCli(["--audience", "https://x", "--propagation-delay-ms", "5"])).toThrow("--audience, --propagation-delay-ms need a front end: add --upstream URL");
    // --invoker also decides who may run --job jobs, so it stands without a front end then.
    expect(parseCli(["--invoker", "user:a@example.com", "--job", "nightly"])).toMatchObject({ invokers: ["user:a@example.com"], jobs: ["nightly"] });
  });
});

describe("npm run emulator: the real process", () => {
  let app: Awaited<ReturnType<typeof startEchoApp>>;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    app = await startEchoApp();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await app?.close();
  });

  /** Reads stdout until the banner's last line, bounded by the child's own lifetime and jest's timeout. */
  const readBanner = (proc: ChildProcess): Promise<string> =>
    new Promise((resolve, reject) => {
      let out = "";
      proc.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        if (out.includes("Ctrl-C stops every server.")) resolve(out);
      });
      proc.once("exit", (code) => reject(new Error(`emulator exited early (${code}): ${out}`)));
    });

  test("an argument without its option (npm run emulator --upstream URL, no lone --) exits 2 and says to add the --", async () => {
    // In-process through the CLI's own runner (test/support/cliInProcess.ts): it ends before anything starts.
    const run = await runCliInProcess("emulator", main, ["http://127.0.0.1:8080"], { usage: USAGE });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^emulator: Unexpected argument 'http:\/\/127\.0\.0\.1:8080'.*\n {2}→ put the options after a lone --, e\.g\. npm run emulator -- --upstream URL/);
  });

  test("prints the URLs and an env block; a metadata ID token passes its front end; Ctrl-C stops everything with exit 0", async () => {
    child = spawn(process.execPath, [...TSX_NODE_ARGS, "emulator/cli.ts", "--upstream", app.url, "--job", "nightly"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const banner = await readBanner(child);
    const frontEndUrl = /^Cloud Run front end\s+(\S+)/m.exec(banner)![1];
    const metadataHost = /^export GCE_METADATA_HOST=(\S+)$/m.exec(banner)![1];
    expect(banner).toMatch(/^export EMULATOR_GOOGLE_APIS_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(banner).toContain("jobs/nightly:run");

    const identity = await fetch(`http://${metadataHost}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(frontEndUrl)}`, {
      headers: { "Metadata-Flavor": "Google" },
    });
    const idToken = await identity.text();
    expect((await fetch(`${frontEndUrl}/ok`, { headers: { authorization: `Bearer ${idToken}` } })).status).toBe(200);
    expect((await fetch(`${frontEndUrl}/ok`)).status).toBe(403);

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`${frontEndUrl}/ok`)).rejects.toThrow();
  });
});

describe("npm run emulator --write-key: the banner's key-file command", () => {
  test("runs as printed (with the export lines) and the smoke test passes as the key's account", async () => {
    const app = await startEchoApp();
    const dir = await mkdtemp(join(tmpdir(), "pcr-emulator-key-"));
    const options = parseCli(["--upstream", app.url, "--write-key", join(dir, "key.json"), "--email", "keyed@emulator-project.iam.gserviceaccount.com"]);
    if (options === "help") throw new Error("unexpected --help");
    const { emulator, banner } = await startFromCli(options);
    try {
      const exports = banner.split("\n").filter((line) => line.startsWith("export "));
      const command = banner.split("\n").find((line) => line.startsWith("GOOGLE_APPLICATION_CREDENTIALS="));
      expect(command).toContain("--import ./emulator/redirectPreload.ts");
      const script = [...exports, `export HOME=${dir} CLOUDSDK_CONFIG=${dir}`, `${command} --json`].join("\n");
      const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
        execFile("sh", ["-c", script], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 60_000 }, (error, out) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout: out }),
        ),
      );
      const report = JSON.parse(stdout);
      expect([code, report.passed, report.services[0].caller]).toEqual([0, true, "keyed@emulator-project.iam.gserviceaccount.com"]);
    } finally {
      await emulator.close();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run emulator: changing invokers at the prompt", () => {
  test("grant and revoke go through the front end's propagation path; bad members and commands say what to type", async () => {
    const app = await startEchoApp();
    const emulator = await startEmulator({ upstream: app.url, invokers: ["user:alice@example.com"], propagationDelayMs: 0 });
    try {
      const prompt = invokerConsole(emulator, ["user:alice@example.com"], 0);
      const runner = `serviceAccount:${emulator.metadata.email()}`;
      const token = await (await fetch(`http://${emulator.metadata.host}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${emulator.frontEnd!.url}`, { headers: { "Metadata-Flavor": "Google" } })).text();
      const status = async () => (await fetch(emulator.frontEnd!.url, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status()).toBe(403);
      expect(prompt.apply(`grant ${runner}`)).toBe(`grant ${runner}: invokers will be [user:alice@example.com, ${runner}] now`);
      expect(await status()).toBe(200);
      expect(prompt.apply("invokers")).toBe(`in effect: user:alice@example.com, ${runner}\nrequested: user:alice@example.com, ${runner}`);
      expect(prompt.apply(`revoke ${runner}`)).toMatch(/invokers will be \[user:alice@example.com\] now/);
      expect(await status()).toBe(403);
      expect(prompt.apply("grant allUsers")).toMatch(/^grant allUsers: "allUsers" would make it public/);
      expect(prompt.apply("grant bob@example.com")).toMatch(/^grant bob@example.com: "bob@example.com" is not an IAM member; write it as user:EMAIL/);
      expect(emulator.frontEnd!.invokers()).toEqual(["user:alice@example.com"]);
      expect(prompt.apply("make me an invoker")).toMatch(/is not a command; commands: grant MEMBER \| revoke MEMBER \| invokers/);
    } finally {
      await emulator.close();
      await app.close();
    }
  });
});
