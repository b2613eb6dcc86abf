/**
 * `serviceUrls: {ENV_NAME: SERVICE}`: a variable holding another service's URL, taken
 * from that service's own `url` output. Refused: an unknown callee, a job, the
 * service itself, a name also in env or secrets, a bad variable name, a cycle (each
 * with path, value and fix, nothing registered). Accepted: the caller's container gets
 * the callee's exact URL in the offline plan, and the callee is created first
 * whatever the config order.
 */
import { parseStackConfig } from "../../config";
import { calleesFirst } from "../../config/serviceUrls";
import type { StackConfig } from "../../contract";
import { evaluateStack } from "../../offline/evaluate";
import { captureConfigError, expectRefusedBeforeRegistering, TABLE_BASE, webAndApi } from "../support/configHarness";

const base = TABLE_BASE;

const stack = webAndApi;
const WEB = "private-cloud-run:services[0]";
const NIGHTLY = { name: "nightly", source: "./app", invokers: ["user:a@example.com"] };

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  ["a service that is not in the stack", stack({ serviceUrls: { API_URL: "apii" } }), `${WEB}.serviceUrls.API_URL`, "apii", /names no service of this stack; services of this stack: api, web/],
  [
    "a job (it has no URL)",
    stack({ serviceUrls: { API_URL: "nightly" } }, {}, { "private-cloud-run:jobs": [NIGHTLY] }),
    `${WEB}.serviceUrls.API_URL`,
    "nightly",
    /names job nightly; a job has no URL/,
  ],
  ["the service itself", stack({ serviceUrls: { SELF_URL: "web" } }), `${WEB}.serviceUrls.SELF_URL`, "web", /names this service itself/],
  ["a name env sets too", stack({ serviceUrls: { API_URL: "api" }, env: { API_URL: "https://elsewhere.example.com" } }), `${WEB}.serviceUrls.API_URL`, "api", /names API_URL, which env sets too/],
  ["a name secrets sets too", stack({ serviceUrls: { API_URL: "api" }, secrets: { API_URL: "api-url" } }), `${WEB}.serviceUrls.API_URL`, "api", /names API_URL, which secrets sets too/],
  ["a variable name Cloud Run reserves", stack({ serviceUrls: { PORT: "api" } }), `${WEB}.serviceUrls.PORT`, "api", /names PORT, which Cloud Run sets itself/],
  ["not a mapping", stack({ serviceUrls: ["api"] }), `${WEB}.serviceUrls`, ["api"], /must be a mapping of NAME: service/],
  ["a service name that is not a string", stack({ serviceUrls: { API_URL: 3 } }), `${WEB}.serviceUrls.API_URL`, 3, /must be the name of a service of this stack/],
  [
    "a cycle (each would wait for the other's URL)",
    stack({ serviceUrls: { API_URL: "api" } }, { serviceUrls: { WEB_URL: "web" }, invokers: ["workload:web", "user:a@example.com"] }),
    `${WEB}.serviceUrls`,
    { API_URL: "api" },
    /web → api → web is a cycle: each service would be deployed after the one whose URL it holds/,
  ],
];

describe("serviceUrls: refused with path, value and fix, nothing registered", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => expectRefusedBeforeRegistering(config, path, value, message));

  test("a cycle of three is reported once", () => {
    const config = {
      ...base,
      "private-cloud-run:services": ["a1", "b1", "c1"].map((name, i, all) => ({ name, source: "./app", invokers: ["user:a@example.com"], serviceUrls: { NEXT_URL: all[(i + 1) % 3] } })),
    };
    const cycles = captureConfigError(() => parseStackConfig(config)).problems.filter((p) => p.message.includes("is a cycle"));
    expect(cycles.map((p) => p.message.split(" is a cycle")[0])).toEqual(["a1 → b1 → c1 → a1"]);
  });
});

describe("serviceUrls: the caller holds the callee's exact URL", () => {
  test("settings keep the names; the callee is created before its caller whatever the order", () => {
    const settings = parseStackConfig(stack({ serviceUrls: { API_URL: "api" } }));
    expect(settings.services.map((s) => [s.name, s.serviceUrls])).toEqual([
      ["web", { API_URL: "api" }],
      ["api", {}],
    ]);
    expect(calleesFirst(settings.services).map((s) => s.name)).toEqual(["api", "web"]);
  });

  test("whole program: web's container (and a job's) gets api's url output, sorted among the other variables", async () => {
    const config = stack({ serviceUrls: { API_URL: "api" }, env: { LOG_LEVEL: "info" } }, {}, { "private-cloud-run:jobs": [{ ...NIGHTLY, serviceUrls: { CALLEE_URL: "api" } }] });
    const evaluation = await evaluateStack({ stack: "dev", config });
    const apiUrl = (evaluation.outputs.services as Record<string, { url: string }>).api.url;
    expect(apiUrl).toMatch(/^https:\/\/api-.*\.run\.app$/);
    const web = evaluation.resources.find((r) => r.name === "web-service")!;
    expect((web.inputs.template as { containers: { envs: unknown[] }[] }).containers[0].envs).toEqual([
      { name: "API_URL", value: apiUrl },
      { name: "LOG_LEVEL", value: "info" },
    ]);
    const job = evaluation.resources.find((r) => r.name === "nightly-job")!;
    expect((job.inputs.template as { template: { containers: { envs: unknown[] }[] } }).template.containers[0].envs).toEqual([{ name: "CALLEE_URL", value: apiUrl }]);
    // Registered in dependency order: the callee's service first.
    const order = evaluation.resources.map((r) => r.name);
    expect(order.indexOf("api-service")).toBeLessThan(order.indexOf("web-service"));
  });
});
