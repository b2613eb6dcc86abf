/**
 * The CLIs' one runner: what each kind of outcome of a `main` becomes (exit code and
 * stderr), run as a real process the way the four CLIs run it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { argumentError, EXIT, isStrayArgument, loneDashHint, UsageError } from "../../runner/cli";
import { UsageError as ClientUsageError } from "../../client/errors";
import { TSX_NODE_ARGS } from "../support/tsxProcess";

const ROOT = resolve(__dirname, "..", "..");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "runner-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a one-line `main` under runMain in a child process. */
function runMainWith(body: string, usage?: string): { code: number | null; stdout: string; stderr: string } {
  const file = join(dir, `main-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    file,
    `import { runMain, UsageError } from ${JSON.stringify(join(ROOT, "runner", "cli"))};\n` +
      `void UsageError;\n` +
      `runMain("demo", async () => { ${body} }${usage ? `, { usage: ${JSON.stringify(usage)} }` : ""});\n`,
  );
  const result = spawnSync(process.execPath, [...TSX_NODE_ARGS, file], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("runMain", () => {
  it("exits with the code main returns, after its output", () => {
    expect(runMainWith(`process.stdout.write("report\\n"); return 1;`)).toEqual({ code: EXIT.failed, stdout: "report\n", stderr: "" });
    expect(runMainWith(`return 0;`).code).toBe(EXIT.ok);
  });

  it("a usage error that escapes main: exit 2, the message, its fix and the usage on stderr", () => {
    const run = runMainWith(`throw new UsageError("--port: \\"x\\" is not a port", "use 0-65535");`, "Usage: demo --port N");
    expect(run).toEqual({ code: EXIT.usage, stdout: "", stderr: 'demo: --port: "x" is not a port\n  → use 0-65535\n\nUsage: demo --port N\n' });
  });

  it("anything else is unexpected: exit 4, redacted, no stack trace", () => {
    const run = runMainWith(`throw new Error("boom with Bearer ya29.a0AfB_secret-token-value");`);
    expect(run.code).toBe(EXIT.unexpected);
    expect(run.stderr).toMatch(/^demo: unexpected error: boom with /);
    expect(run.stderr).not.toContain("ya29.a0AfB_secret-token-value");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('"serving" leaves the process running until something ends it', () => {
    const run = runMainWith(`setTimeout(() => { process.stdout.write("still here\\n"); process.exit(0); }, 50); return "serving";`);
    expect(run).toEqual({ code: 0, stdout: "still here\n", stderr: "" });
  });
});

describe("usage errors", () => {
  it("is the client's UsageError: one class for every CLI and the library", () => {
    expect(UsageError).toBe(ClientUsageError);
  });

  it("a stray argument (options before the lone --) gets the lone -- fix", () => {
    let caught: unknown;
    try {
      parseArgs({ args: ["https://x"], options: { url: { type: "string" } }, strict: true });
    } catch (error) {
      caught = error;
    }
    expect(isStrayArgument(caught)).toBe(true);
    const error = argumentError(caught, "npm run smoke -- --url URL", "npm run smoke -- --help");
    expect(error.summary).toMatch(/Unexpected argument 'https:\/\/x'/);
    expect(error.hint).toBe(`${loneDashHint("npm run smoke -- --url URL")}; see npm run smoke -- --help`);
    expect(error.hint).toMatch(/^put the options after a lone --, e\.g\. npm run smoke -- --url URL/);
  });

  it("any other argument error points at the help", () => {
    let caught: unknown;
    try {
      parseArgs({ args: ["--bogus"], options: {}, strict: true });
    } catch (error) {
      caught = error;
    }
    expect(isStrayArgument(caught)).toBe(false);
    expect(argumentError(caught, "npm run proxy -- --url URL", "npm run proxy -- --help").hint).toBe("see npm run proxy -- --help");
  });
});
