/**
 * Config validation: a table of bad configs, each rejected with its message
 * (key path, bad value, fix) and with no resource registered; every problem
 * is reported at once; defaults are applied.
 */
import { ConfigError, parseStackConfig } from "../../config";
import { evaluateStack } from "../../offline/evaluate";
import { stackSchema } from "../../config/schema";
import { loadStackConfig } from "../../config/stackFile";
import type { StackConfig } from "../../contract";
import { captureConfigError, runProgram } from "../support/configHarness";

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
  ["a smoke path with a space", svc({ smokePath: "/health check" }), "private-cloud-run:services[0].smokePath", "/health check", /contains whitespace/],
  ["a smoke path ending in z", svc({ smokePath: "/healthz" }), "private-cloud-run:services[0].smokePath", "/healthz", /reserved on run\.app/],
  ["an unknown invoker mode", svc({ invokerMode: "merge" }), "private-cloud-run:services[0].invokerMode", "merge", /use authoritative .* or additive/],
  ["a role that is not an invoker role", svc({ invokerRole: "roles/owner" }), "private-cloud-run:services[0].invokerRole", "roles/owner", /roles\/run\.invoker/],
  ["a jobs-only role on a service", svc({ invokerRole: "roles/run.jobsExecutor" }), "private-cloud-run:services[0].invokerRole", "roles/run.jobsExecutor", /is a jobs-only role .*for a service use one of roles\/run\.invoker, roles\/run\.servicesInvoker/],
  ["a fractional timeout", job({ timeout: "1.5h" }), "private-cloud-run:jobs[0].timeout", "1.5h", /whole-number duration/],
  ["a zero timeout", job({ timeout: "0s" }), "private-cloud-run:jobs[0].timeout", "0s", /use 1s to 168h/],
  ["a timeout over 168 hours", job({ timeout: "8d" }), "private-cloud-run:jobs[0].timeout", "8d", /use 1s to 168h/],
  ["jobsExecutorWithOverrides on a service", svc({ invokerRole: "roles/run.jobsExecutorWithOverrides" }), "private-cloud-run:services[0].invokerRole", "roles/run.jobsExecutorWithOverrides", /is a jobs-only role .*for a service use one of roles\/run\.invoker, roles\/run\.servicesInvoker/],
  ["a services-only role on a job", job({ invokerRole: "roles/run.servicesInvoker" }), "private-cloud-run:jobs[0].invokerRole", "roles/run.servicesInvoker", /is a services-only role .*for a job use one of roles\/run\.invoker, roles\/run\.jobsExecutor/],
  ["too many tasks", job({ tasks: 10001 }), "private-cloud-run:jobs[0].tasks", 10001, /at most 10000/],
  ["fractional tasks", job({ tasks: 1.5 }), "private-cloud-run:jobs[0].tasks", 1.5, /whole number/],
  ["too many retries", job({ maxRetries: 11 }), "private-cloud-run:jobs[0].maxRetries", 11, /at most 10/],
  ["smokeRun as a string", job({ smokeRun: "yes" }), "private-cloud-run:jobs[0].smokeRun", "yes", /must be true or false; true makes the smoke test execute the job/],
  ["smokeRun on a service", svc({ smokeRun: true }), "private-cloud-run:services[0].smokeRun", true, /is not a setting this stack reads; a service takes/],
  ["an empty command", job({ command: [] }), "private-cloud-run:jobs[0].command", [], /is empty; write the entrypoint/],
  ["a command that is not a list", job({ command: "node dist/job.js" }), "private-cloud-run:jobs[0].command", "node dist/job.js", /must be a list; write the entrypoint as a list/],
  ["an args entry that is not a string", job({ args: ["--all", 3] }), "private-cloud-run:jobs[0].args[1]", 3, /must be a string/],
  ["a port out of range", svc({ port: 70000 }), "private-cloud-run:services[0].port", 70000, /use 1-65535/],
  ["an empty custom audience", svc({ customAudiences: [""] }), "private-cloud-run:services[0].customAudiences[0]", "", /is empty; write an audience/],
  ["a custom audience with a space", svc({ customAudiences: ["https://api.example.com "] }), "private-cloud-run:services[0].customAudiences[0]", "https://api.example.com ", /contains whitespace/],
  ["customAudiences that is not a list", svc({ customAudiences: "https://api.example.com" }), "private-cloud-run:services[0].customAudiences", "https://api.example.com", /must be a list; write e\.g\. \[https/],
  ["customAudiences on a job (jobs have no URL)", job({ customAudiences: ["https://x.example.com"] }), "private-cloud-run:jobs[0].customAudiences", ["https://x.example.com"], /not a setting this stack reads/],
  ["deleteUntaggedOlderThan 0d", { ...svc({}), "private-cloud-run:deleteUntaggedOlderThan": "0d" }, "private-cloud-run:deleteUntaggedOlderThan", "0d", /is zero/],
  ["zero tasks", job({ tasks: 0 }), "private-cloud-run:jobs[0].tasks", 0, /at least 1/],
  ["a typo in a workload key", svc({ invoker: ["user:a@example.com"] }), "private-cloud-run:services[0].invoker", ["user:a@example.com"], /not a setting this stack reads; did you mean invokers\? A service takes name, source, image, invokers, .*smokePath, port, .*\(docs\/stack.md\)$/],
  ["a key in the wrong case", svc({ smokepath: "/health/" }), "private-cloud-run:services[0].smokepath", "/health/", /did you mean smokePath\?/],
  ["a swapped pair of letters", job({ comamnd: ["node"] }), "private-cloud-run:jobs[0].comamnd", ["node"], /did you mean command\? A job takes name, source, image, invokers, .*command, args, tasks, maxRetries, timeout/],
  ["invokerIamDisabled (the API's switch that turns IAM off)", svc({ invokerIamDisabled: true }), "private-cloud-run:services[0].invokerIamDisabled", true, /^would make the service public; this stack never grants public access, so it has no such setting. List who may call it in invokers$/],
  ["gcloud's allow-unauthenticated, on a job", job({ "allow-unauthenticated": true }), "private-cloud-run:jobs[0].allow-unauthenticated", true, /^would make the job public;/],
  ["a key unlike any setting", svc({ memory: "512Mi" }), "private-cloud-run:services[0].memory", "512Mi", /^is not a setting this stack reads; a service takes name/],
  ["a typo in a stack key", { ...svc({}), "private-cloud-run:service": [] }, "private-cloud-run:service", [], /not a key this stack reads; did you mean private-cloud-run:services\? Check the spelling against docs\/stack.md$/],
  ["a missing source", { ...base, "private-cloud-run:services": [{ name: "hello", invokers: ["user:a@example.com"] }] }, "private-cloud-run:services[0].source", undefined, /is required; write the build context directory/],
  ["a missing project", { "gcp:region": "asia-east1" }, "gcp:project", undefined, /pulumi config set gcp:project/],
  ["keepRecentVersions 0", { ...svc({}), "private-cloud-run:keepRecentVersions": 0 }, "private-cloud-run:keepRecentVersions", 0, /at least 1/],
  ["an image name suffix without a dash", { ...svc({}), "private-cloud-run:imageNameSuffix": "pr42" }, "private-cloud-run:imageNameSuffix", "pr42", /is not an image name suffix; write a dash then lowercase letters and digits, e.g. -pr42/],
  ["an image name suffix with a path", { ...svc({}), "private-cloud-run:imageNameSuffix": "-pr/42" }, "private-cloud-run:imageNameSuffix", "-pr/42", /is not an image name suffix/],
  ["createRepository not a boolean", { ...svc({}), "private-cloud-run:createRepository": "no" }, "private-cloud-run:createRepository", "no", /must be true or false/],
  [
    "cleanup settings on a stack that does not own its repository",
    { ...svc({}), "private-cloud-run:createRepository": false, "private-cloud-run:keepRecentVersions": 5 },
    "private-cloud-run:keepRecentVersions",
    5,
    /^configures the repository, which this stack does not create \(private-cloud-run:createRepository is false\); set it in the stack that owns the repository, and remove it here$/,
  ],
];

describe("bad configs are rejected with path, value and fix", () => {
  test.each(BAD)("%s", async (_label, config, path, value, message) => {
    const error = captureConfigError(() => parseStackConfig(config));
    const atPath = error.problems.filter((p) => p.path === path);
    expect(atPath).toHaveLength(1); // one clear message per problem, not a pile of overlapping ones
    const problem = atPath[0];
    expect(problem!.value).toEqual(value);
    expect(problem!.message).toMatch(message);
    expect(error.message).toContain(`${path}: ${value === undefined ? "(missing)" : JSON.stringify(value)}`);
    // The real program, fed the same config the way Pulumi's runtime holds it, registers nothing.
    const run = await runProgram(config);
    expect(run.error).toBeInstanceOf(ConfigError);
    expect((run.error as ConfigError).problems).toEqual(error.problems);
    expect(run.registered).toEqual([]);
  });

  test("duplicate names are rejected, per kind", () => {
    const config = { ...base, "private-cloud-run:services": [1, 2].map(() => ({ name: "hello", source: "./app", invokers: ["user:a@example.com"] })) };
    const error = captureConfigError(() => parseStackConfig(config));
    expect(error.problems).toEqual([{ path: "private-cloud-run:services[1].name", value: "hello", message: expect.stringMatching(/already used by private-cloud-run:services\[0\]/) }]);
  });

  test("a group that is not a list is reported once, and does not hide the groups that are fine", () => {
    const config = withGroups({ team: "user:a@example.com", ok: ["user:b@example.com"] }, ["team", "ok"]);
    const error = captureConfigError(() => parseStackConfig(config));
    expect(error.problems).toEqual([
      { path: "private-cloud-run:principals.team", value: "user:a@example.com", message: expect.stringMatching(/must be a list of IAM members or group names; write e\.g\. \[/) },
      { path: "private-cloud-run:services[0].invokers[0]", value: "team", message: expect.stringMatching(/names group "team", which is not a list of principals; fix its definition/) },
    ]);
  });

  test("distinct names that would share a runtime service account id are rejected", () => {
    const config = { ...base, "private-cloud-run:services": ["x", "run-x"].map((name) => ({ name, source: "./app", invokers: ["user:a@example.com"] })) };
    const error = captureConfigError(() => parseStackConfig(config));
    expect(error.problems).toEqual([
      { path: "private-cloud-run:services[1].name", value: "run-x", message: expect.stringMatching(/same runtime service account id \(run-x-svc\) as private-cloud-run:services\[0\]; rename one/) },
    ]);
  });

  test("a service and a job may share a name (their resources and accounts differ)", () => {
    const settings = parseStackConfig({ ...svc({}), "private-cloud-run:jobs": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"] }] });
    expect([settings.services[0].name, settings.jobs[0].name]).toEqual(["hello", "hello"]);
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

  test("the counting harness does see registrations (so an empty list above means something)", async () => {
    const run = await runProgram(loadStackConfig("dev").config);
    expect(run.error).toBeUndefined();
    expect(run.registered).toEqual(expect.arrayContaining(["gcp:cloudrunv2/service:Service", "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding"]));
  });

  test("an evaluation after a rejected one still works", async () => {
    const ev = await evaluateStack(loadStackConfig("dev"));
    expect(ev.resources.length).toBeGreaterThan(10);
  });
});

describe("each parse checks invokers against its own stack's groups and workloads", () => {
  // The schemas are built once per process: what they check invoker lists against must
  // come from the config being parsed, never from one parsed before it.
  const web = (invokers: string[]) => ({ name: "web", source: "./app", invokers });
  const withTeam = (members: string[]) => ({ ...base, "private-cloud-run:principals": { team: members }, "private-cloud-run:services": [web(["team"])] });
  const withApi = { ...base, "private-cloud-run:services": [{ name: "api", source: "./app", invokers: ["user:a@example.com"] }, web(["workload:api"])] };
  const strangers = { ...base, "private-cloud-run:services": [web(["team", "workload:api"])] };
  const strangersRefused = (): void => {
    expect(captureConfigError(() => parseStackConfig(strangers)).problems).toEqual([
      { path: "private-cloud-run:services[0].invokers[0]", value: "team", message: expect.stringMatching(/^names a group that is not defined; define it under private-cloud-run:principals/) },
      { path: "private-cloud-run:services[0].invokers[1]", value: "workload:api", message: "names no service or job of this stack; services: web; jobs: (none)" },
    ]);
  };

  test("two stacks with a group of the same name each expand it to their own members", () => {
    expect(parseStackConfig(withTeam(["user:alice@example.com"])).services[0].invokers).toEqual(["user:alice@example.com"]);
    expect(parseStackConfig(withTeam(["user:bob@example.com"])).services[0].invokers).toEqual(["user:bob@example.com"]);
    expect(parseStackConfig(withTeam(["user:alice@example.com"])).services[0].invokers).toEqual(["user:alice@example.com"]);
  });

  test("a group or workload of the stack parsed before does not make another stack's invokers valid", () => {
    parseStackConfig(withTeam(["user:alice@example.com"]));
    strangersRefused();
    parseStackConfig(withApi);
    strangersRefused();
  });

  test("the schema checks no invoker list without a stack to check it against", () => {
    expect(() => stackSchema.safeParse(svc({}))).toThrow(/invoker lists are checked by parseStack/);
  });

  test("a refused stack does not make the next stack's own groups and workloads unknown", () => {
    strangersRefused();
    expect(parseStackConfig(withTeam(["user:bob@example.com"])).services[0].invokers).toEqual(["user:bob@example.com"]);
    strangersRefused();
    expect(parseStackConfig(withApi).services[1].invokers).toEqual(["serviceAccount:api-svc@my-gcp-project.iam.gserviceaccount.com"]);
  });
});

describe("valid configs", () => {
  test("defaults are applied and JSON strings (as Pulumi's runtime holds them) are accepted", () => {
    const settings = parseStackConfig({
      ...base,
      "private-cloud-run:services": JSON.stringify([{ name: "hello", source: "./app", invokers: ["user:b@example.com", "user:a@example.com", "user:b@example.com"] }]),
      "private-cloud-run:deletionProtection": "false",
    });
    expect(settings.repository).toEqual({ id: "private-cloud-run", create: true, imageNameSuffix: "", keepRecentVersions: 10, deleteUntaggedOlderThan: "604800s", cleanupDryRun: false });
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
        env: {},
        secrets: {},
        serviceUrls: {},
        resources: { cpu: "1", memory: "512Mi" },
        labels: {},
        cpuIdle: true,
        startupCpuBoost: false,
        scaling: { min: 0, max: 100 },
        concurrency: 80,
        timeout: "300s",
      },
    ]);
  });

  test("a stack may push to an existing repository under suffixed image names (a per-PR stack)", () => {
    const settings = parseStackConfig({ ...svc({}), "private-cloud-run:createRepository": "false", "private-cloud-run:imageNameSuffix": "-pr42" });
    expect(settings.repository).toMatchObject({ id: "private-cloud-run", create: false, imageNameSuffix: "-pr42" });
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
