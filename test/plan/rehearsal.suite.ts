import { planRehearsal, rehearse, renderRehearsal, type RehearsalPlan } from "../../plan/rehearsal";
import type { Evaluation, ServiceOutputs } from "../../contract";
import { planChain } from "../../plan/rehearseChain";
import { sharedEvaluation } from "../support/sharedEvaluations";
import { fixtureEvaluation } from "./fixtures";

/** The fixture with the first service's invokers (and optionally its smoke path) replaced. */
function withService(change: Partial<ServiceOutputs> & { path?: string }): Evaluation {
  const evaluation = fixtureEvaluation();
  const services = (evaluation.outputs.services as Record<string, ServiceOutputs>);
  const hello = services.hello;
  services.hello = { ...hello, ...change, smokeTest: { ...hello.smokeTest, path: change.path ?? hello.smokeTest.path } };
  return evaluation;
}

describe("planRehearsal", () => {
  it.each([
    [["group:eng@example.com", "user:alice@example.com", "serviceAccount:ci@demo.iam.gserviceaccount.com"], "serviceAccount:ci@demo.iam.gserviceaccount.com", "ci@demo.iam.gserviceaccount.com", {}],
    [["group:eng@example.com", "user:alice@example.com"], "user:alice@example.com", "alice@example.com", {}],
    [["domain:example.org"], "domain:example.org", "rehearsal-invoker@example.org", {}],
    [["group:eng@example.com"], "group:eng@example.com", "rehearsal-member@example.com", { "eng@example.com": ["rehearsal-member@example.com"] }],
  ])("invokers %j → impersonates %s as %s", (invokers, member, email, groups) => {
    const plan = planRehearsal(withService({ invokers })) as RehearsalPlan;
    expect(plan.invoker).toEqual({ member, email });
    expect(plan.groups).toEqual(groups);
    expect(plan.invokers).toEqual(invokers);
    expect(plan.service).toBe("hello");
    expect(plan.audience).toBe("https://hello-abc-de.a.run.app");
    expect(plan.path).toBe("/health/");
  });

  it("picks an outsider that holds no grant", () => {
    const taken = "serviceAccount:rehearsal-outsider@demo.iam.gserviceaccount.com";
    const plan = planRehearsal(withService({ invokers: [taken, "serviceAccount:rehearsal-outsider-1@demo.iam.gserviceaccount.com"] })) as RehearsalPlan;
    expect(plan.outsider).toBe("rehearsal-outsider-2@demo.iam.gserviceaccount.com");
  });

  it("skips a stack without services, or a service without invokers, and says why", () => {
    const noServices = fixtureEvaluation();
    noServices.outputs = { ...noServices.outputs, services: {} };
    expect(planRehearsal(noServices)).toEqual({ skipped: 'stack "dev" has no service to rehearse (jobs have no URL)' });
    expect(planRehearsal(withService({ invokers: [] }))).toEqual({ skipped: "service hello has no invoker to rehearse with: add one to its invokers" });
  });
});

describe("rehearsal output", () => {
  it("renders the table with failures explained", () => {
    const plan = planRehearsal(fixtureEvaluation()) as RehearsalPlan;
    const lines = renderRehearsal(plan, [
      { caller: "anonymous", identity: "", header: "(no token)", expected: 403, status: 200, passed: false, note: "no token → 200, expected 403" },
      { caller: "invoker", identity: "alice@example.com", header: "Authorization", expected: 200, status: 200, passed: true },
    ]);
    expect(lines).toContain("  anonymous  —                  (no token)     403       200  FAILED: no token → 200, expected 403");
    expect(lines).toContain("  invoker    alice@example.com  Authorization  200       200  ok");
    expect(lines[lines.length - 1]).toBe("Rehearsal: 1/2 checks passed; app, front end and metadata server stopped");
  });
});

/**
 * The real thing, in-process: the built app, the emulator, the client, google-auth-library.
 * gaxios (google-auth-library's HTTP layer) loads node-fetch with a dynamic import()
 * unless `window.fetch` exists, and jest's CommonJS vm refuses dynamic imports; inside
 * jest only, hand it Node's fetch (as test/client does). The child-process test in
 * plan.process.suite.ts runs the production path, with node-fetch.
 */
describe("rehearse (real app, emulator and client)", () => {
  beforeAll(() => {
    (globalThis as { window?: unknown }).window ??= { fetch: globalThis.fetch };
  });

  const io = () => {
    const err: string[] = [];
    return { io: { stdout: () => undefined, stderr: (text: string) => err.push(text) }, err };
  };

  it("gets 403, 403, 200, 200 and restores GCE_METADATA_HOST", async () => {
    const before = process.env.GCE_METADATA_HOST;
    const { io: capture } = io();
    const outcome = await rehearse(fixtureEvaluation(), capture);
    expect(outcome.lines.join("\n")).toContain("Rehearsal: 4/4 checks passed");
    expect(outcome.ok).toBe(true);
    const rows = outcome.lines.filter((line) => /^ {2}(anonymous|outsider|invoker) /.test(line));
    expect(rows.map((line) => line.replace(/\s+/g, " ").trim().split(" ").slice(-3).join(" "))).toEqual(["403 403 ok", "403 403 ok", "200 200 ok", "200 200 ok"]);
    expect(process.env.GCE_METADATA_HOST).toBe(before);
    expect(outcome.lines.join("\n")).not.toMatch(/eyJ|ya29\./);
  });

  it.each([[["domain:example.org"]], [["group:eng@example.com"]]])("passes with invokers %j only (made-up member of the domain / group)", async (invokers) => {
    const { io: capture } = io();
    const outcome = await rehearse(withService({ invokers }), capture);
    expect(outcome.lines.join("\n")).toContain("Rehearsal: 4/4 checks passed");
  });

  it("fails (and says which check) when the invoker does not get 200", async () => {
    const { io: capture } = io();
    const outcome = await rehearse(withService({ path: "/no-such-route/" }), capture);
    expect(outcome.ok).toBe(false);
    const text = outcome.lines.join("\n");
    expect(text).toContain("Rehearsal: 2/4 checks passed");
    expect(text).toMatch(/invoker .* Authorization .* 200 +404 +FAILED/);
  });

  it("the dev stack's call chain: hello → api 200, a workload api does not list 403, and what the emulator does not model is said", async () => {
    const dev = await sharedEvaluation("dev");
    const { io: capture } = io();
    const outcome = await rehearse(dev, capture);
    const text = outcome.lines.join("\n");
    expect(outcome.ok).toBe(true);
    expect(text).toContain("Rehearsal: 6/6 checks passed; apps, front ends and metadata servers stopped");
    expect(text).toMatch(/\n {2}hello +hello-svc@my-gcp-project\.iam\.gserviceaccount\.com +X-Serverless-Authorization, app token in Authorization \(GET \/call → api\) +200 +200 +ok\n/);
    expect(text).toMatch(/\n {2}not listed +nightly-job@my-gcp-project\.iam\.gserviceaccount\.com +.* +403 +403 +ok\n/);
    expect(text).toContain("api's ingress is internal: not modelled here");
    expect(text).not.toMatch(/eyJ|ya29\.|rehearsal-[0-9a-f]{32}/);
  });

  it("fails the chain row when the callee does not list the caller", async () => {
    const dev = await sharedEvaluation("dev");
    const services = dev.outputs.services as Record<string, ServiceOutputs>;
    // api now lists the job's runtime account instead of hello's: hello's call must get 403, and the rehearsal must say it failed.
    services.api = { ...services.api, invokers: ["serviceAccount:nightly-job@my-gcp-project.iam.gserviceaccount.com"] };
    const { io: capture } = io();
    const outcome = await rehearse(dev, capture);
    expect(outcome.ok).toBe(false);
    expect(outcome.lines.join("\n")).toMatch(/\n {2}hello +hello-svc@\S+ +.* +200 +403 +FAILED: 502 callee_refused/);
  });
});

describe("planChain", () => {
  it("finds the caller from the registered CALLEE_URL env and the callee by its URL; another workload it does not list is the outsider", async () => {
    expect(planChain(await sharedEvaluation("dev"))).toEqual({
      caller: { name: "hello", email: "hello-svc@my-gcp-project.iam.gserviceaccount.com" },
      callee: { name: "api", audience: expect.stringMatching(/^https:\/\/api-.*\.run\.app$/), invokers: ["serviceAccount:hello-svc@my-gcp-project.iam.gserviceaccount.com"], ingress: "internal" },
      outsider: { email: "nightly-job@my-gcp-project.iam.gserviceaccount.com", what: "runtime account of job nightly, not an invoker of api" },
      sharedAppToken: true,
    });
  });

  it("no chain without a CALLEE_URL that is another service's URL", () => {
    expect(planChain(fixtureEvaluation({ withJob: true }))).toBeUndefined();
  });
});
