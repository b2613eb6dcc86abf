/**
 * scheduler-tokens-stay-with-google: a Cloud Scheduler job attaches a token of
 * a service account to every request it sends. An OAuth access token is good
 * for every Google API the account may use, so it goes to Google APIs only; an
 * ID token of a stack account is good for every workload that lists it. Inputs
 * follow @pulumi/gcp 9.x's Args types.
 */
import type * as cloudscheduler from "@pulumi/gcp/cloudscheduler";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluatePolicies, schedulerTokensStayWithGoogle, UNKNOWN, type ResourceUnderTest, type UnverifiedInput } from "../../policy/rules";
import { job, registered, RUNTIME_SA, service } from "./fixtures";

const SCHEDULER_SA = "nightly-sched@my-gcp-project.iam.gserviceaccount.com";
const RUN_URL = "https://run.googleapis.com/v2/projects/my-gcp-project/locations/asia-east1/jobs/nightly:run";

function schedulerJob(httpTarget: Unwrap<cloudscheduler.JobArgs>["httpTarget"], name = "nightly-schedule"): ResourceUnderTest {
  const inputs: Unwrap<cloudscheduler.JobArgs> = { project: "my-gcp-project", region: "asia-east1", name, schedule: "0 3 * * *", timeZone: "Etc/UTC", httpTarget };
  return { type: "gcp:cloudscheduler/job:Job", name, inputs: inputs as unknown as Record<string, unknown> };
}
const oauth = (uri: unknown, serviceAccountEmail = SCHEDULER_SA) => schedulerJob({ uri: uri as string, httpMethod: "POST", oauthToken: { serviceAccountEmail, scope: "https://www.googleapis.com/auth/cloud-platform" } });
const oidc = (uri: string, serviceAccountEmail: string, audience?: string) => schedulerJob({ uri, httpMethod: "POST", oidcToken: { serviceAccountEmail, ...(audience ? { audience } : {}) } });

function checkStack(...jobs: ResourceUnderTest[]) {
  const unverified: UnverifiedInput[] = [];
  const findings = schedulerTokensStayWithGoogle.checkStack!([service(), job(), ...jobs], { stack: "dev", unverified: (input) => unverified.push(input) });
  return { findings: findings.map((f) => `${f.resource}: ${f.message}`), unverified: unverified.map((u) => `${u.resource}: ${u.path}`) };
}

describe("scheduler-tokens-stay-with-google (mandatory)", () => {
  it.each([
    ["the stack's own schedule: an OAuth token to the Cloud Run Admin API", oauth(RUN_URL)],
    ["an OAuth token to another Google API", oauth("https://pubsub.googleapis.com/v1/projects/p/topics/t:publish")],
    ["an ID token of an account that is not the stack's, to anywhere", oidc("https://hooks.example.com/nightly", "ci@my-gcp-project.iam.gserviceaccount.com")],
    ["no token at all", schedulerJob({ uri: "https://hooks.example.com/ping" })],
  ])("passes %s", (_label, grant) => {
    expect(checkStack(grant)).toEqual({ findings: [], unverified: [] });
  });

  it.each([
    ["an OAuth token to a host that is not a Google API", oauth("https://collector.example.com/run"), `httpTarget.uri: "https://collector.example.com/run" receives an OAuth access token of ${SCHEDULER_SA}`],
    ["an OAuth token over plain http", oauth("http://run.googleapis.com/v2/x"), "receives an OAuth access token"],
    ["an OAuth token to a look-alike host", oauth("https://run.googleapis.com.evil.example/v2/x"), "run.googleapis.com.evil.example"],
    ["an OAuth token to a host with credentials before it", oauth("https://run.googleapis.com@evil.example/v2/x"), "evil.example"],
    ["an OAuth token of a runtime account, even to a Google API (the schedule would act as that workload)", oauth(RUN_URL, RUNTIME_SA), `httpTarget.oauthToken.serviceAccountEmail: "${RUNTIME_SA}" is the runtime account of service hello`],
    ["an ID token of a runtime account, for another workload's audience", oidc("https://collector.example.com/", RUNTIME_SA, "https://api-abc-de.a.run.app"), `httpTarget.oidcToken.serviceAccountEmail: "${RUNTIME_SA}" is the runtime account of service hello`],
  ])("refuses %s", (_label, grant, expected) => {
    const { findings } = checkStack(grant);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain(expected);
  });

  it("a computed URI with an OAuth token is unverified, never passed", () => {
    expect(checkStack(oauth(UNKNOWN))).toEqual({ findings: [], unverified: ["nightly-schedule: httpTarget.uri"] });
  });

  it("is mandatory in the offline plan", () => {
    const violations = evaluatePolicies([service(), oauth("https://collector.example.com/run")].map((r) => registered(r)), { stack: "dev" });
    expect(violations.map((v) => `${v.enforcementLevel} ${v.policy}`)).toEqual(["mandatory scheduler-tokens-stay-with-google"]);
  });
});
