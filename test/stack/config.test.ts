/**
 * Config validation: a table of bad configs, each rejected with its message
 * (key path, bad value, fix) and with no resource registered; every problem
 * is reported at once; defaults are applied.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../config";
import { evaluateStack, loadStackConfig } from "../../offline/evaluate";
import type { StackConfig } from "../../offline/types";

const base: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };
const svc = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const job = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:jobs": [{ name: "nightly", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const withGroups = (principals: Record<string, unknown>, invokers: unknown[]) => ({ ...svc({ invokers }), "private-cloud-run:principals": principals });

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  ["allUsers", svc({ invokers: ["allUsers"] }), "private-cloud-run:services[0].invokers[0]", "allUsers", /would make the workload public; this stack never grants public access/],
  ["allAuthenticatedUsers with a prefix", svc({ invokers: ["user:allAuthenticatedUsers"] }), "private-cloud-run:services[0].invokers[0]", "user:allAuthenticatedUsers", /public/],
  ["ALLUSERS in capitals", svc({ invokers: ["ALLUSERS"] }), "private-cloud-run:services[0].invokers[0]", "ALLUSERS", /public/],
  ["allUsers inside a group", withGroups({ everyone: ["group:eng@example.com", "allUsers"] }, ["everyone"]), "private-cloud-run:principals.everyone[1]", "allUsers", /public/],
  ["IAM's public principalSet", job({ invokers: ["principalSet://goog/public:all"] }), "private-cloud-run:jobs[0].invokers[0]", "principalSet://goog/public:all", /public/],
  ["an empty invoker", svc({ invokers: [""] }), "private-cloud-run:services[0].invokers[0]", "", /is empty/],
  ["an empty invoker list", svc({ invokers: [] }), "private-cloud-run:services[0].invokers", [], /at least one principal/],
  ["an unknown prefix", svc({ invokers: ["serviceaccount:ci@example.com"] }), "private-cloud-run:services[0].invokers[0]", "serviceaccount:ci@example.com", /unknown prefix "serviceaccount:"; use one of user:, serviceAccount:/],
  ["a malformed email", svc({ invokers: ["user:alice"] }), "private-cloud-run:services[0].invokers[0]", "user:alice", /malformed email after "user:"/],
  ["an undefined group", svc({ invokers: ["team"] }), "private-cloud-run:services[0].invokers[0]", "team", /group that is not defined; define it under private-cloud-run:principals/],
  ["a group that refers to itself", withGroups({ team: ["user:a@example.com", "team"] }, ["user:a@example.com"]), "private-cloud-run:principals.team[1]", "team", /refer to itself/],
  ["a group cycle", withGroups({ a: ["b"], b: ["a"] }, ["user:a@example.com"]), "private-cloud-run:principals.a[0]", "b", /refer to itself \(a → b → a\)/],
  ["an uppercase name", svc({ name: "Hello" }), "private-cloud-run:services[0].name", "Hello", /not a name Cloud Run accepts/],
  ["a name with an underscore", job({ name: "night_ly" }), "private-cloud-run:jobs[0].name", "night_ly", /lowercase letters, digits and dashes/],
  ["a name ending with a dash", svc({ name: "hello-" }), "private-cloud-run:services[0].name", "hello-", /not ending with a dash/],
  ["a service name too long", svc({ name: `s${"x".repeat(49)}` }), "private-cloud-run:services[0].name", `s${"x".repeat(49)}`, /at most 49 characters/],
  ["an unknown ingress", svc({ ingress: "public" }), "private-cloud-run:services[0].ingress", "public", /use one of all, internal, internal-and-cloud-load-balancing/],
  ["a smoke path without /", svc({ smokePath: "health" }), "private-cloud-run:services[0].smokePath", "health", /must start with \//],
  ["a smoke path ending in z", svc({ smokePath: "/healthz" }), "private-cloud-run:services[0].smokePath", "/healthz", /reserved on run\.app/],
  ["an unknown invoker mode", svc({ invokerMode: "merge" }), "private-cloud-run:services[0].invokerMode", "merge", /use authoritative .* or additive/],
  ["a role that is not an invoker role", svc({ invokerRole: "roles/owner" }), "private-cloud-run:services[0].invokerRole", "roles/owner", /roles\/run\.invoker/],
  ["a jobs-only role on a service", svc({ invokerRole: "roles/run.jobsExecutor" }), "private-cloud-run:services[0].invokerRole", "roles/run.jobsExecutor", /roles\/run\.servicesInvoker/],
  ["a fractional timeout", job({ timeout: "1.5h" }), "private-cloud-run:jobs[0].timeout", "1.5h", /whole-number duration/],
  ["zero tasks", job({ tasks: 0 }), "private-cloud-run:jobs[0].tasks", 0, /at least 1/],
  ["a typo in a workload key", svc({ invoker: ["user:a@example.com"] }), "private-cloud-run:services[0].invoker", ["user:a@example.com"], /not a setting this stack reads/],
  ["a typo in a stack key", { ...svc({}), "private-cloud-run:service": [] }, "private-cloud-run:service", [], /not a key this stack reads/],
  ["a missing source", { ...base, "private-cloud-run:services": [{ name: "hello", invokers: ["user:a@example.com"] }] }, "private-cloud-run:services[0].source", undefined, /is required; write the build context directory/],
  ["a missing project", { "gcp:region": "asia-east1" }, "gcp:project", undefined, /pulumi config set gcp:project/],
  ["keepRecentVersions 0", { ...svc({}), "private-cloud-run:keepRecentVersions": 0 }, "private-cloud-run:keepRecentVersions", 0, /at least 1/],
];

describe("bad configs are rejected with path, value and fix", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => {
    const error = captureConfigError(() => parseStackConfig(config));
    const problem = error.problems.find((p) => p.path === path);
    expect(problem).toBeDefined();
    expect(problem!.value).toEqual(value);
    expect(problem!.message).toMatch(message);
    expect(error.message).toContain(`${path}: ${value === undefined ? "(missing)" : JSON.stringify(value)}`);
  });

  test("duplicate names are rejected, per kind", () => {
    const config = { ...base, "private-cloud-run:services": [1, 2].map(() => ({ name: "hello", source: "./app", invokers: ["user:a@example.com"] })) };
    const error = captureConfigError(() => parseStackConfig(config));
    expect(error.problems).toEqual([{ path: "private-cloud-run:services[1].name", value: "hello", message: expect.stringMatching(/already used by private-cloud-run:services\[0\]/) }]);
  });

  test("every problem is reported at once", () => {
    const config = {
      ...base,
      "private-cloud-run:services": [{ name: "Bad_Name", source: "./app", invokers: ["allUsers", "user:x"], ingress: "open", smokePath: "/readyz" }],
      "private-cloud-run:jobs": [{ name: "j", source: "", invokers: ["nobody"], tasks: -1 }],
    };
    const paths = captureConfigError(() => parseStackConfig(config)).problems.map((p) => p.path);
    expect(paths).toEqual([
      "private-cloud-run:jobs[0].invokers[0]",
      "private-cloud-run:jobs[0].source",
      "private-cloud-run:jobs[0].tasks",
      "private-cloud-run:services[0].ingress",
      "private-cloud-run:services[0].invokers[0]",
      "private-cloud-run:services[0].invokers[1]",
      "private-cloud-run:services[0].name",
      "private-cloud-run:services[0].smokePath",
    ]);
  });

  test("the evaluator rejects with ConfigError before registering anything", async () => {
    await expect(evaluateStack({ stack: "bad", config: svc({ invokers: ["allUsers"] }) })).rejects.toBeInstanceOf(ConfigError);
  });

  test("the program itself registers no resource when config is invalid", async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.type);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "private-cloud-run",
      "bad",
      false,
    );
    pulumi.runtime.setAllConfig({ ...base, "private-cloud-run:services": JSON.stringify([{ name: "hello", source: "./app", invokers: ["allUsers"] }]) } as Record<string, string>);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    // Called directly (not inside runInPulumiStack): the config is read before any constructor runs.
    await expect(program()).rejects.toBeInstanceOf(ConfigError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(registered).toEqual([]);
  });

  test("an evaluation after a rejected one still works", async () => {
    const ev = await evaluateStack(loadStackConfig("dev"));
    expect(ev.resources.length).toBeGreaterThan(10);
  });
});

describe("valid configs", () => {
  test("defaults are applied and JSON strings (as Pulumi's runtime holds them) are accepted", () => {
    const settings = parseStackConfig({
      ...base,
      "private-cloud-run:services": JSON.stringify([{ name: "hello", source: "./app", invokers: ["user:b@example.com", "user:a@example.com", "user:b@example.com"] }]),
      "private-cloud-run:deletionProtection": "false",
    });
    expect(settings.repository).toEqual({ id: "private-cloud-run", keepRecentVersions: 10, deleteUntaggedOlderThan: "604800s", cleanupDryRun: false });
    expect(settings.services).toEqual([
      {
        name: "hello",
        source: "./app",
        invokers: ["user:a@example.com", "user:b@example.com"],
        invokerMode: "authoritative",
        invokerRole: "roles/run.invoker",
        deletionProtection: false,
        ingress: "all",
        customAudiences: [],
        smokePath: "/health/",
        port: 8080,
      },
    ]);
  });

  test("deletion protection is on unless config turns it off", () => {
    expect(parseStackConfig(svc({})).services[0].deletionProtection).toBe(true);
    expect(parseStackConfig({ ...svc({}), "private-cloud-run:deletionProtection": false }).services[0].deletionProtection).toBe(false);
    expect(parseStackConfig({ ...svc({ deletionProtection: true }), "private-cloud-run:deletionProtection": false }).services[0].deletionProtection).toBe(true);
  });

  test("loadStackConfig reads a stack name or a file path, and qualifies bare keys", () => {
    const byName = loadStackConfig("dev");
    expect(byName.stack).toBe("dev");
    expect(byName.config["gcp:project"]).toBe("my-gcp-project");
    const byFile = loadStackConfig("Pulumi.prod.yaml", `${__dirname}/../..`);
    expect(byFile.stack).toBe("prod");
    expect(byFile.config["gcp:project"]).toBe("my-gcp-project-prod");
  });
});

function captureConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}
