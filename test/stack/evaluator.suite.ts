/**
 * The offline evaluator and its mocks: repeated and concurrent evaluation,
 * build-context hashing, and IAM following a replaced workload.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ConfigError, invokerAccessOutputsSchema, workloadComponentOutputsSchema } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { loadStackConfig } from "../../config/stackFile";
import { createMocks, hashBuildContext } from "../../offline/mocks";
import { TempSource, TYPES, isIamType } from "../support/stackHarness";
import { TSX_NODE_ARGS } from "../support/tsxProcess";

const dev = loadStackConfig("dev");
const execFileAsync = promisify(execFile);

describe("evaluateStack", () => {
  test("concurrent calls are queued and give identical results", async () => {
    const [a, b] = await Promise.all([evaluateStack(dev), evaluateStack(dev)]);
    expect(a.resources.length).toBeGreaterThan(10);
    expect(b).toEqual(a);
    // Every registration completed: each resource has its URN.
    for (const r of a.resources) expect(r.urn).toMatch(/^urn:pulumi:dev::private-cloud-run::/);
  });

  test("records parents by logical name and marks components", async () => {
    const ev = await evaluateStack(dev);
    const service = ev.resources.find((r) => r.type === TYPES.service && r.name === "hello-service")!;
    expect(service.parent).toBe("hello");
    expect(ev.resources.find((r) => r.name === "hello")).toMatchObject({ type: "private-cloud-run:index:PrivateService", component: true, parent: "private-cloud-run-dev" });
    expect(ev.resources[0]).toMatchObject({ type: "pulumi:pulumi:Stack", parent: null, component: true });
  });

  test("records what each component registers as its outputs, the URNs it names among them", async () => {
    const ev = await evaluateStack(dev);
    const byUrn = new Map(ev.resources.map((r) => [r.urn, r]));
    const hello = workloadComponentOutputsSchema.parse(ev.resources.find((r) => r.name === "hello" && r.component)!.outputs);
    expect(hello.name).toBe("hello");
    expect(byUrn.get(hello.cloudRun)).toMatchObject({ type: TYPES.service, inputs: { name: "hello" } });
    expect(byUrn.get(hello.runtimeServiceAccount)).toMatchObject({ type: TYPES.account, inputs: { accountId: "hello-svc" } });
    expect(hello.outputs).toEqual((ev.outputs as { services: Record<string, unknown> }).services.hello);
    const access = invokerAccessOutputsSchema.parse(ev.resources.find((r) => r.name === "nightly-invokers")!.outputs);
    expect(byUrn.get(access.workload)?.type).toBe(TYPES.job);
    expect(access.grants.map((urn) => byUrn.get(urn)?.type)).toEqual([TYPES.jobBinding]);
    // The root stack's registered outputs are the stack outputs; custom resources register none.
    expect(ev.resources[0].outputs).toEqual(ev.outputs);
    expect(ev.resources.filter((r) => !r.component && r.outputs !== undefined)).toEqual([]);
  });

  test("a missing build context is reported before anything is registered", async () => {
    const config = { ...dev.config, "private-cloud-run:jobs": [{ name: "j", source: "./does-not-exist", invokers: ["user:a@example.com"] }] };
    // A config problem (the CLI's exit 2) at the key, with the value and the fix.
    const error = await evaluateStack({ stack: "dev", config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { path: "private-cloud-run:jobs[0].source", value: "./does-not-exist", message: expect.stringMatching(/^build context not found \(resolved to .*does-not-exist\); write a directory of the project that holds the Dockerfile/) },
    ]);
    // …and the next evaluation is unaffected.
    expect((await evaluateStack(dev)).resources.length).toBeGreaterThan(10);
  });

  test("a failing registration rejects the evaluation instead of crashing the process, and the next evaluation works", async () => {
    // In a child process: jest tracks unhandled rejections itself and would claim Pulumi's internal ones.
    // A failing Job cascades into its IAM binding; a failing binding is a leaf.
    const types = [TYPES.job, TYPES.jobBinding];
    const script = path.join(__dirname, "../support/failingEvaluation.ts");
    const { stdout } = await execFileAsync(process.execPath, [...TSX_NODE_ARGS, script, ...types], { cwd: path.resolve(__dirname, "../.."), timeout: 50_000 });
    const results = JSON.parse(stdout.trim().split("\n").pop()!) as { failingType: string; rejection: string | null; nextResources: number }[];
    expect(results.map((r) => r.failingType)).toEqual(types);
    for (const r of results) {
      expect(r.rejection).toContain(`simulated provider failure on ${r.failingType}`);
      expect(r.nextResources).toBeGreaterThan(10);
    }
  });
});

describe("hashBuildContext", () => {
  const source = new TempSource("hash");
  afterAll(() => source.remove());

  test("same content → same hash; changed content → new hash; ignored files and node_modules do not count", () => {
    fs.writeFileSync(path.join(source.dir, ".dockerignore"), "# comment\n*.log\ntest\n");
    const first = hashBuildContext(source.dir);
    expect(hashBuildContext(source.dir)).toBe(first);
    fs.writeFileSync(path.join(source.dir, "debug.log"), "noise");
    fs.mkdirSync(path.join(source.dir, "test"), { recursive: true });
    fs.writeFileSync(path.join(source.dir, "test", "a.test.ts"), "x");
    fs.mkdirSync(path.join(source.dir, "node_modules", "x"), { recursive: true });
    fs.writeFileSync(path.join(source.dir, "node_modules", "x", "index.js"), "x");
    expect(hashBuildContext(source.dir)).toBe(first);
    fs.writeFileSync(path.join(source.dir, "server.js"), "console.log(1)");
    expect(hashBuildContext(source.dir)).not.toBe(first);
    // The Dockerfile counts even when .dockerignore lists it: it still shapes the image.
    fs.appendFileSync(path.join(source.dir, ".dockerignore"), "Dockerfile\n");
    const second = hashBuildContext(source.dir);
    source.write("FROM scratch\nLABEL v=2\n");
    expect(hashBuildContext(source.dir)).not.toBe(second);
  });

  test("a missing directory is an error naming the fix", () => {
    expect(() => hashBuildContext(path.join(source.dir, "nope"))).toThrow(/does not exist.*fix "source"/);
  });
});

describe("registration options: IAM follows a replaced workload, everything waits for the APIs", () => {
  const requests: { type: string; name: string; urn?: string; replaceWith: string[]; dependencies: string[]; parent: string }[] = [];

  beforeAll(async () => {
    await pulumi.runtime.setMocks(createMocks({ rootDir: path.resolve(__dirname, "../.."), project: "my-gcp-project", region: "asia-east1", stack: "dev" }), "private-cloud-run", "dev", false);
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: (e: unknown, r: { getUrn(): string }) => void) => void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
      const entry = {
        type: req.getType(),
        name: req.getName(),
        replaceWith: req.getReplaceWithList(),
        dependencies: req.getDependenciesList(),
        parent: req.getParent(),
        urn: undefined as string | undefined,
      };
      requests.push(entry);
      register(req, (e, r) => {
        if (r) entry.urn = r.getUrn();
        cb(e, r);
      });
    };
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(dev.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await pulumi.runtime.runInPulumiStack(require("../../index"));
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs(); // eslint-disable-line @typescript-eslint/no-require-imports
  });

  test("every IAM resource is registered with replaceWith = its service or job", () => {
    // The invoker bindings of hello, api and nightly; the secret grants are on secrets, which the stack does not hold.
    const iam = requests.filter((r) => isIamType(r.type) && r.type.startsWith("gcp:cloudrunv2/"));
    expect(iam.length).toBe(3);
    for (const binding of iam) {
      const workloadType = binding.type.startsWith("gcp:cloudrunv2/job") ? TYPES.job : TYPES.service;
      const owner = binding.name.replace(/-invokers-binding$/, "");
      const target = requests.find((r) => r.type === workloadType && r.name === `${owner}-${workloadType === TYPES.job ? "job" : "service"}`);
      expect(target?.urn).toBeDefined();
      expect(binding.replaceWith).toEqual([target!.urn]);
    }
  });

  test("the repository, runtime accounts, services and jobs depend on every enabled API", () => {
    const apis = requests.filter((r) => r.type === TYPES.api).map((r) => r.urn);
    expect(apis).toHaveLength(5);
    const dependents = requests.filter((r) => ([TYPES.repository, TYPES.account, TYPES.service, TYPES.job] as string[]).includes(r.type));
    expect(dependents).toHaveLength(7);
    for (const r of dependents) expect(r.dependencies).toEqual(expect.arrayContaining(apis));
  });
});

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getReplaceWithList(): string[];
  getDependenciesList(): string[];
}
