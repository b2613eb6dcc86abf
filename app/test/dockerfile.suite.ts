/**
 * Keeps app/Dockerfile honest without Docker (the CI machine has no daemon):
 * what the final stage copies must exist after `npm run build`, its CMD must
 * run a file in dist, and the image rules (pinned LTS base, non-root, no
 * sources or tests, production dependencies only) must hold.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { APP_DIR, assertBuilt } from "./support/appProcess";

interface Instruction {
  keyword: string;
  /** Flags such as --from=build, without the leading dashes: { from: "build" }. */
  flags: Record<string, string>;
  /** Remaining arguments (a JSON array form is parsed as such). */
  args: string[];
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** A small Dockerfile parser: comments, line continuations, flags, JSON (exec) form. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const rawArgs = line.slice(keyword.length).trim();
    const flags: Record<string, string> = {};
    const words = rest.filter((word) => {
      const flag = /^--([a-z-]+)=(.*)$/.exec(word);
      if (flag) flags[flag[1]] = flag[2];
      return !flag;
    });
    const jsonStart = rawArgs.indexOf("[");
    const args = jsonStart >= 0 && rawArgs.trim().endsWith("]") && !rawArgs.slice(0, jsonStart).replace(/--\S+/g, "").trim() ? (JSON.parse(rawArgs.slice(jsonStart)) as string[]) : words;
    const instruction: Instruction = { keyword: keyword.toUpperCase(), flags, args };
    if (instruction.keyword === "FROM") {
      stages.push({ image: args[0], name: args[1]?.toUpperCase() === "AS" ? args[2] : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** The stage's WORKDIR in effect at the end (the image default is /). */
function workdirOf(stage: Stage): string {
  return stage.instructions.filter((i) => i.keyword === "WORKDIR").reduce((dir, i) => posix.resolve(dir, i.args[0]), "/");
}

const dockerfile = readFileSync(join(APP_DIR, "Dockerfile"), "utf8");
const stages = parseDockerfile(dockerfile);
const final = stages[stages.length - 1];
const finalCopies = final.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
const pkg = JSON.parse(readFileSync(join(APP_DIR, "package.json"), "utf8")) as { version: string; scripts: Record<string, string>; dependencies?: Record<string, string> };
const dockerignore = readFileSync(join(APP_DIR, ".dockerignore"), "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

/** Maps a path inside the build stage to where `npm run build` leaves it in app/. */
function hostPathOfBuildStagePath(stage: Stage, containerPath: string): string {
  const inContainer = posix.resolve(workdirOf(stage), containerPath);
  const rel = posix.relative(workdirOf(stage), inContainer);
  if (rel.startsWith("..")) throw new Error(`${containerPath} is outside the build stage's WORKDIR ${workdirOf(stage)}`);
  return join(APP_DIR, rel);
}

beforeAll(() => assertBuilt());

test("is multi-stage and both stages use the same pinned Node LTS image (exact version tag)", () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const stage of stages) {
    const match = /^node:(\d+)\.(\d+)\.(\d+)-(bookworm|bullseye)-slim(@sha256:[0-9a-f]{64})?$/.exec(stage.image);
    expect(match).not.toBeNull();
    expect(Number(match?.[1]) % 2).toBe(0); // even majors are the LTS lines
  }
  expect(new Set(stages.map((s) => s.image)).size).toBe(1);
});

test("the platform is left to the build (docker-build `platforms`): only the build stage runs on $BUILDPLATFORM", () => {
  expect(dockerfile).not.toMatch(/^FROM --platform=linux/m);
  expect(dockerfile).toMatch(/^FROM --platform=\$BUILDPLATFORM .* AS build$/m);
  expect(dockerfile).not.toMatch(/^FROM --platform=.* AS runtime$/m);
});

test("every path the final stage copies from the build stage exists after the build", () => {
  expect(finalCopies.length).toBeGreaterThan(0);
  for (const copy of finalCopies) {
    const fromName = copy.flags.from;
    expect(fromName).toBeDefined(); // nothing comes straight from the build context into the runtime image
    const source = stages.find((s) => s.name === fromName);
    expect(source).toBeDefined();
    for (const path of copy.args.slice(0, -1)) expect(existsSync(hostPathOfBuildStagePath(source as Stage, path))).toBe(true);
  }
});

test("the final stage holds dist only: no sources, tests, node_modules or package files", () => {
  const copied = finalCopies.flatMap((c) => c.args.slice(0, -1));
  expect(copied).toEqual(["/app/dist"]);
});

test("CMD runs dist/server.js, which the build produced, and the job entry dist/job.js exists beside it", () => {
  const cmd = final.instructions.filter((i) => i.keyword === "CMD").at(-1);
  expect(cmd?.args).toEqual(["node", "dist/server.js"]);
  const workdir = workdirOf(final);
  const copyDest = posix.resolve(workdir, finalCopies[0].args.at(-1) as string);
  const script = posix.resolve(workdir, (cmd as Instruction).args[1]);
  expect(script.startsWith(`${copyDest}/`)).toBe(true);
  expect(existsSync(join(APP_DIR, "dist", posix.relative(copyDest, script)))).toBe(true);
  expect(existsSync(join(APP_DIR, "dist", "job.js"))).toBe(true); // the stack's job command: [node, dist/job.js]
});

test("`npm start` runs the same command as CMD (exec: no shell or npm in between for SIGTERM)", () => {
  const cmd = final.instructions.filter((i) => i.keyword === "CMD").at(-1);
  expect(pkg.scripts.start).toBe(`exec ${cmd?.args.join(" ")}`);
});

test("runs as a non-root user", () => {
  const user = final.instructions.filter((i) => i.keyword === "USER").at(-1)?.args[0];
  expect(user).toBeDefined();
  expect(["root", "0", "0:0"]).not.toContain(user);
});

test("production dependencies only: the app has none, so the final stage needs no node_modules", () => {
  // If this fails, the app gained a runtime dependency: add a stage running
  // `npm ci --omit=dev` and copy its node_modules into the final stage.
  expect(pkg.dependencies ?? {}).toEqual({});
});

test("the build stage copies files that exist in app/ and that .dockerignore does not exclude", () => {
  const build = stages[0];
  const sources = build.instructions.filter((i) => i.keyword === "COPY" && !i.flags.from).flatMap((i) => i.args.slice(0, -1));
  expect(sources).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "tsconfig.json", "src"]));
  for (const source of sources) {
    expect(existsSync(join(APP_DIR, source))).toBe(true);
    expect(dockerignore).not.toContain(source);
  }
  expect(dockerignore).toEqual(expect.arrayContaining(["node_modules", "dist", "test"]));
});

test("`npm run build` output matches src: one .js in dist per .ts in src", () => {
  const tsFiles = readdirSync(join(APP_DIR, "src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  for (const file of tsFiles) expect(existsSync(join(APP_DIR, "dist", file.replace(/\.ts$/, ".js")))).toBe(true);
  expect(relative(APP_DIR, join(APP_DIR, "dist"))).toBe("dist");
});

test("the version /health reports equals app/package.json's", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PACKAGE_VERSION } = require(join(APP_DIR, "dist", "version.js")) as { PACKAGE_VERSION: string };
  expect(PACKAGE_VERSION).toBe(pkg.version);
});
