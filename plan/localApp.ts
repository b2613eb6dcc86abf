import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { waitForListening } from "../runner/listening";

/** The repository root (plan/ is one level down). */
export const REPO_ROOT = resolve(__dirname, "..");
const APP_DIR = join(REPO_ROOT, "app");
const APP_ENTRY = join(APP_DIR, "dist", "server.js");

/** How long the app may take to print its "listening" line. */
const START_TIMEOUT_MS = 20_000;
/** Cloud Run gives 10 s after SIGTERM; the rehearsal waits as long, then kills. */
const STOP_TIMEOUT_MS = 10_000;

/** The app running as a real process on 127.0.0.1. */
export interface LocalApp {
  url: string;
  /** SIGTERM, wait for exit (bounded), SIGKILL if it did not. Idempotent. */
  stop(): Promise<void>;
}

/**
 * True when app/dist/server.js is missing or older than a file in app/src: a fresh
 * clone (`npm ci && npm start`) has no dist, and a stale dist would rehearse old code.
 */
export function appNeedsBuild(appDir = APP_DIR): boolean {
  const entry = join(appDir, "dist", "server.js");
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  const sources = join(appDir, "src");
  return readdirSync(sources, { recursive: true, encoding: "utf8" }).some(
    (file) => file.endsWith(".ts") && statSync(join(sources, file)).mtimeMs > built,
  );
}

/**
 * The compiler the app is built with: TypeScript 7, the root's `typescript7` alias (the
 * image's build stage has it as app's own `typescript`). The root's `typescript` is 5.x, for
 * Pulumi, and cannot read app/tsconfig.json.
 */
export function appCompiler(): string {
  return join(dirname(require.resolve("typescript7/package.json")), "bin", "tsc");
}

/** Builds the app as `npm run build:app` does, its output to `log`. */
export async function buildApp(log: (text: string) => void): Promise<void> {
  const child = spawn(process.execPath, [appCompiler(), "-p", join(APP_DIR, "tsconfig.json")], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => log(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => log(chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once("close", done));
  if (code !== 0) throw new Error(`building the app failed (tsc -p app/tsconfig.json exited ${code}): run \`npm run build:app\` to see why`);
}

/**
 * Starts `node app/dist/server.js` on 127.0.0.1 with an OS-chosen port (PORT=0) and
 * resolves once its "listening" log line gives the port.
 */
export async function startApp(env: Record<string, string>): Promise<LocalApp> {
  const child = spawn(process.execPath, [APP_ENTRY], {
    cwd: APP_DIR,
    env: { ...process.env, ...env, PORT: "0", HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = stopper(child);
  try {
    const port = await waitForListening(child, { timeoutMs: START_TIMEOUT_MS });
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once("exit", () => done());
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((done) => (timer = setTimeout(() => done("timeout"), STOP_TIMEOUT_MS)));
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
  };
}
