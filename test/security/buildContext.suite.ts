/**
 * `source` is a build context: every file in it (bar .dockerignore's) is sent
 * to the builder, and a `COPY . .` puts it in the image. A context outside the
 * project (`../../etc`, an absolute path, a symlink out), the project root
 * (CI's gha-creds-*.json, .git, the stack files) or a directory holding
 * credentials must never be built; a context without a Dockerfile would only
 * fail inside buildx. Each layer that sees it refuses: the config (syntax),
 * the program's own check before anything is registered (the filesystem),
 * ArtifactImage used directly, and the policy rules (the Image's context).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../config";
import type { StackConfig } from "../../contract";
import { ArtifactImage, ArtifactRepository } from "../../components/artifactImage";
import { evaluateStack } from "../../offline/evaluate";
import { createMocks } from "../../offline/mocks";
import { evaluatePolicies } from "../../policy/rules";
import { ofType, REPO_ROOT, TempSource, TYPES } from "../support/stackHarness";

const SOURCE_PATH = "private-cloud-run:services[0].source";
const config = (service: Record<string, unknown>): StackConfig => ({
  "gcp:project": "my-gcp-project",
  "gcp:region": "asia-east1",
  "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"], ...service }],
});

async function problemsOf(value: StackConfig): Promise<ConfigError["problems"]> {
  try {
    await evaluateStack({ stack: "dev", config: value });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** [label, source, message] refused by the config itself, before the filesystem is read. */
const OUTSIDE_OR_ROOT: [string, string, RegExp][] = [
  ["a path out of the project", "../../etc", /leaves the project directory/],
  ["a sibling of the project", "../other-app", /leaves the project directory/],
  ["an absolute path", "/etc", /is an absolute path/],
  ["a Windows absolute path", "C:\\Users\\me\\app", /is an absolute path/],
  ["the project root", ".", /is the project root/],
  ["the project root with a slash", "./", /is the project root/],
  ["the project root, spelled the long way", "app/..", /is the project root/],
  ["a path that leaves and comes back to the root", "app/../../private-cloud-run", /leaves the project directory|is the project root/],
];

describe("config: source must be a directory inside the project, not its root", () => {
  it.each(OUTSIDE_OR_ROOT)("refuses %s (%j) with exit-2 problem naming key, value and fix", (_label, source, why) => {
    let problems: ConfigError["problems"] = [];
    try {
      parseStackConfig(config({ source }));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([{ path: SOURCE_PATH, value: source, message: expect.stringMatching(why) }]);
    expect(problems[0].message).toMatch(/e\.g\. \.\/app/);
  });

  it.each([
    ["an absolute dockerfile", "/etc/Dockerfile", /is an absolute path/],
    ["a dockerfile outside the source", "../Dockerfile", /leaves the build context/],
    ["an empty dockerfile", "", /is empty/],
  ])("refuses %s", (_label, dockerfile, why) => {
    expect(() => parseStackConfig(config({ dockerfile }))).toThrow(ConfigError);
    try {
      parseStackConfig(config({ dockerfile }));
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([{ path: "private-cloud-run:services[0].dockerfile", value: dockerfile, message: expect.stringMatching(why) }]);
    }
  });
});

describe("the filesystem check before anything is registered", () => {
  const sources: TempSource[] = [];
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "pcr-outside-"));
  fs.writeFileSync(path.join(outside, "Dockerfile"), "FROM scratch\n");
  afterAll(() => {
    sources.forEach((s) => s.remove());
    fs.rmSync(outside, { recursive: true, force: true });
  });
  const temp = (label: string) => {
    const source = new TempSource(label);
    sources.push(source);
    return source;
  };

  it("refuses a symlink inside the project that leads out of it", async () => {
    const holder = temp("link-out");
    fs.symlinkSync(outside, path.join(holder.dir, "escape"));
    const problems = await problemsOf(config({ source: `${holder.source}/escape` }));
    expect(problems).toEqual([{ path: SOURCE_PATH, value: `${holder.source}/escape`, message: expect.stringMatching(/leaves the project directory once symlinks are followed \(it is /) }]);
  });

  it("refuses a symlink that leads to the project root", async () => {
    const holder = temp("link-root");
    fs.symlinkSync(REPO_ROOT, path.join(holder.dir, "root"));
    const problems = await problemsOf(config({ source: `${holder.source}/root` }));
    expect(problems).toEqual([{ path: SOURCE_PATH, value: `${holder.source}/root`, message: expect.stringMatching(/is the project root once symlinks are followed/) }]);
  });

  it("refuses a directory without a Dockerfile (source: ./docs), naming dockerfile: as the other fix", async () => {
    const problems = await problemsOf(config({ source: "./docs" }));
    expect(problems).toEqual([{ path: SOURCE_PATH, value: "./docs", message: expect.stringMatching(/holds no Dockerfile .*; add one, or name yours with dockerfile:/) }]);
  });

  it("refuses a dockerfile: that is not there, at that key", async () => {
    const problems = await problemsOf(config({ dockerfile: "Dockerfile.prod" }));
    expect(problems).toEqual([{ path: "private-cloud-run:services[0].dockerfile", value: "Dockerfile.prod", message: expect.stringMatching(/no such file in the build context/) }]);
  });

  it.each([
    ["CI's credential file", "gha-creds-0123abcd.json", "{}"],
    ["gcloud's application default credentials", "conf/application_default_credentials.json", "{}"],
    ["a service-account key", "keys/my-project-1a2b3c.json", '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}'],
    ["a private key", "certs/server.key", "x"],
    ["a .env file", ".env", "DB_PASSWORD=x"],
    ["an .npmrc", ".npmrc", "//registry.npmjs.org/:_authToken=x"],
    ["a git directory", ".git/config", "[http]\n\textraheader = AUTHORIZATION: basic x"],
  ])("refuses a context holding %s, unless .dockerignore leaves it out", async (_label, file, content) => {
    const source = temp("creds");
    fs.mkdirSync(path.dirname(path.join(source.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(source.dir, file), content);
    const problems = await problemsOf(config({ source: source.source }));
    expect(problems).toEqual([
      {
        path: SOURCE_PATH,
        value: source.source,
        message: expect.stringMatching(new RegExp(`holds files that carry credentials and would be sent to the builder: ${file.split("/")[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)),
      },
    ]);
    fs.writeFileSync(path.join(source.dir, ".dockerignore"), `# not for the image\n${file.split("/")[0]}\n`);
    expect(await problemsOf(config({ source: source.source }))).toEqual([]);
  });

  it("accepts harmless look-alikes (.env.example, package.json)", async () => {
    const source = temp("lookalike");
    fs.writeFileSync(path.join(source.dir, ".env.example"), "DB_PASSWORD=");
    fs.writeFileSync(path.join(source.dir, "package.json"), '{"name": "x"}');
    expect(await problemsOf(config({ source: source.source }))).toEqual([]);
  });

  it("builds with the named dockerfile:, one image per (source, dockerfile)", async () => {
    const source = temp("named");
    fs.writeFileSync(path.join(source.dir, "Dockerfile.job"), "FROM scratch\n# job\n");
    const evaluation = await evaluateStack({
      stack: "dev",
      config: {
        ...config({ source: source.source }),
        "private-cloud-run:jobs": [{ name: "nightly", source: source.source, dockerfile: "Dockerfile.job", invokers: ["user:a@example.com"] }],
      },
    });
    const images = ofType(evaluation, TYPES.image);
    // The default Dockerfile is left to the builder (<context>/Dockerfile); a named one is passed as is.
    expect(images.map((image) => (image.inputs.dockerfile as { location?: string } | undefined)?.location ?? "(default)").sort()).toEqual([
      "(default)",
      `${source.source.slice(2)}/Dockerfile.job`,
    ]);
    const digests = new Set(images.map((image) => JSON.stringify(image.inputs.context)));
    expect(digests.size).toBe(1); // same context
    const outputs = evaluation.outputs as { services: Record<string, { image: string }>; jobs: Record<string, { image: string }> };
    expect(outputs.services.hello.image).not.toBe(outputs.jobs.nightly.image);
  });
});

describe("ArtifactImage used directly", () => {
  const registered: string[] = [];
  beforeAll(async () => {
    const mocks = createMocks({ rootDir: REPO_ROOT, project: "my-gcp-project", region: "asia-east1", stack: "direct" });
    await pulumi.runtime.setMocks({ newResource: (args) => (registered.push(args.name), mocks.newResource(args)), call: (args) => mocks.call(args) }, "private-cloud-run", "direct", false);
  });

  it.each([["../../etc"], ["/etc"], ["."], ["./docs"]])("refuses source %j before registering the image", async (source) => {
    const repository = new ArtifactRepository(`repo-${registered.length}`, { project: "my-gcp-project", region: "asia-east1" });
    expect(() => new ArtifactImage(`direct-${registered.length}`, { repository, source, imageName: "x" })).toThrow(/source/);
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs(); // eslint-disable-line @typescript-eslint/no-require-imports
    expect(registered.filter((name) => name.startsWith("direct"))).toEqual([]);
  });
});

describe("policy rules: a docker-build Image's context", () => {
  const image = (location: string, dockerfile?: string) => ({
    type: TYPES.image,
    name: "app-image",
    parent: null,
    urn: "",
    secretInputs: [],
    component: false,
    inputs: { context: { location }, ...(dockerfile === undefined ? {} : { dockerfile: { location: dockerfile } }), push: true },
  });

  it.each([
    ["/etc", /is an absolute path/],
    ["../../etc", /leaves the project directory/],
    [".", /is the project root/],
    ["", /is the project root/],
    ["app/../..", /leaves the project directory/],
  ])("refuses context %j as mandatory", (location, why) => {
    const found = evaluatePolicies([image(location)], { stack: "dev" });
    expect(found).toEqual([expect.objectContaining({ policy: "image-build-context-inside-project", resource: "app-image", enforcementLevel: "mandatory", message: expect.stringMatching(why) })]);
  });

  it("refuses a Dockerfile outside the project, and accepts the stack's own shape", () => {
    expect(evaluatePolicies([image("app", "/etc/Dockerfile")], { stack: "dev" })).toEqual([expect.objectContaining({ policy: "image-build-context-inside-project" })]);
    expect(evaluatePolicies([image("app", "app/Dockerfile")], { stack: "dev" })).toEqual([]);
    expect(evaluatePolicies([image("services/api")], { stack: "dev" })).toEqual([]);
  });
});
