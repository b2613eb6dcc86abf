// `npm test`: the checks and jest side by side, so both cores stay busy.
//
//   typecheck   package.json's typecheck script (TypeScript 7's native tsc, the repository and the app)
//   build:app   package.json's build:app script, beside the typecheck (app tests run dist/)
//   lint        package.json's lint script (oxlint, actionlint), once the app is built
//   jest        with any arguments given after `npm test --`, once the app is built
//
// Each check's output is printed when it ends (only a failing one's in full). A failing
// check stops jest and fails the run, as the `a && b && jest` chain this replaces did.
// jest's output streams through; its closing summary line is held back and printed
// last, so the last line of `npm test` is the test runner's summary.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const SUMMARY_LINE = /^tests: \d+ passed, \d+ failed/;
const env = { ...process.env, PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH].join(delimiter) };

/**
 * Runs a shell command as npm would (node_modules/.bin on PATH), in its own process
 * group; its output is collected, or handed to `onOutput(chunk, stream)` as it comes.
 */
function start(name, command, onOutput) {
  const startedAt = Date.now();
  const child = spawn("sh", ["-c", command], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output = [];
  for (const [stream, label] of [[child.stdout, "stdout"], [child.stderr, "stderr"]]) {
    stream.on("data", (chunk) => (onOutput ? onOutput(chunk, label) : output.push(chunk)));
  }
  const done = new Promise((resolve) => {
    child.on("error", (error) => resolve({ name, code: 127, output: `${error.message}\n`, seconds: 0 }));
    child.on("close", (code, signal) =>
      resolve({ name, code: code ?? (signal ? 128 : 1), output: Buffer.concat(output).toString(), seconds: (Date.now() - startedAt) / 1000 }),
    );
  });
  const stop = (signal = "SIGTERM") => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return { done, stop };
}

function passed({ name, seconds }) {
  process.stderr.write(`✓ ${name} (${seconds.toFixed(1)} s)\n`);
}

function failure({ name, code, output, seconds }) {
  const text = output === "" || output.endsWith("\n") ? output : `${output}\n`;
  process.stderr.write(`${text}✗ ${name} failed (exit ${code}, ${seconds.toFixed(1)} s)\n`);
}

/** Passes jest's output through (stdout to stdout), holding back its closing summary line (stderr). */
function jestOutput() {
  let pending = "";
  let summary;
  const write = (chunk, stream = "stderr") => {
    if (stream === "stdout") return void process.stdout.write(chunk);
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop();
    for (const line of lines) {
      if (SUMMARY_LINE.test(line)) summary = line;
      else process.stderr.write(`${line}\n`);
    }
  };
  /** Prints the held-back summary last; says so first when jest failed outside its tests. */
  const flush = (jestCode) => {
    if (pending) write("\n");
    if (jestCode !== 0 && (!summary || / 0 failed/.test(summary))) {
      // A global teardown or a reporter that throws fails jest after every test passed.
      process.stderr.write(`✗ jest exited with code ${jestCode} outside the tests: its error is above\n`);
    }
    if (summary) process.stderr.write(`${summary}\n`);
  };
  return { write, flush };
}

// jest's stderr is a pipe here: keep its colours when ours is a terminal.
const jestArgs = [...(process.stderr.isTTY ? ["--colors"] : []), ...process.argv.slice(2)].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(" ");
const failures = [];
let stopping = false;
const steps = [];

/** The first failure stops everything else; what was stopped is not reported as failing. */
function settle(result) {
  if (result.code === 0) passed(result);
  else if (!stopping) {
    failures.push(result);
    stopping = true;
    for (const step of steps) step.stop();
  }
  return result;
}

// Each step has its own process group (so a failure can stop a step and all it started):
// pass Ctrl-C and termination on to them.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const step of steps) step.stop(signal);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

// The app build beside the typecheck, then jest (which needs the build) beside lint; the
// typecheck goes on beside jest if it has not ended. The build is on jest's critical path,
// so it does not share the cores with lint as well.
const typecheck = start("typecheck", scripts.typecheck);
const build = start("build:app", scripts["build:app"]);
steps.push(typecheck, build);
const checksDone = [typecheck.done.then(settle)];

let jestResult;
const jestStream = jestOutput();
if (settle(await build.done).code === 0 && !stopping) {
  const lint = start("lint", scripts.lint);
  const jest = start("jest", `jest ${jestArgs}`, jestStream.write);
  steps.push(lint, jest);
  checksDone.push(lint.done.then(settle));
  jestResult = await jest.done;
}
await Promise.all(checksDone);
if (failures.length > 0) {
  for (const result of failures) failure(result);
  process.exitCode = 1;
} else {
  jestStream.flush(jestResult?.code);
  process.exitCode = jestResult?.code === 0 ? 0 : 1;
}
