/** Smoke-test descriptor builders and naming helpers: pure table tests. */
import { buildJobSmokeTest, buildServiceSmokeTest, primaryAudience, SERVICE_ACCOUNT_PLACEHOLDER, serviceAudiences } from "../../components/smokeTestBuilders";
import { imageNameForSource, memberSlug, normalizeSource, runtimeAccountId } from "../../components/naming";

const url = "https://hello-123-de.a.run.app";

describe("service smoke test", () => {
  test("audience is the URL, or the first custom audience", () => {
    expect(primaryAudience(url, [])).toBe(url);
    expect(primaryAudience(url, ["https://api.example.com", "x"])).toBe("https://api.example.com");
    expect(serviceAudiences(url, ["https://api.example.com", url])).toEqual([url, "https://api.example.com"]);
  });

  test("descriptor: expectations and pasteable commands", () => {
    const smoke = buildServiceSmokeTest({ name: "hello", url, customAudiences: [], path: "/health/", invokers: ["user:a@example.com", "serviceAccount:ci@p.iam.gserviceaccount.com"], ingress: "all" });
    expect(smoke).toEqual({
      kind: "service",
      name: "hello",
      url,
      audience: url,
      path: "/health/",
      ingress: "all",
      expect: { anonymous: 403, outsider: 403, invoker: "2xx" },
      commands: {
        user: `curl -sS -o /dev/null -w '%{http_code}\\n' -H "Authorization: Bearer $(gcloud auth print-identity-token)" ${url}/health/`,
        serviceAccount: `curl -sS -o /dev/null -w '%{http_code}\\n' -H "Authorization: Bearer $(gcloud auth print-identity-token --impersonate-service-account=ci@p.iam.gserviceaccount.com --audiences=${url} --include-email)" ${url}/health/`,
      },
    });
  });

  test("without a service-account invoker the impersonation command has a placeholder to replace", () => {
    const smoke = buildServiceSmokeTest({ name: "hello", url, customAudiences: [], path: "/", invokers: ["user:a@example.com"], ingress: "all" });
    expect(smoke.commands.serviceAccount).toContain(`--impersonate-service-account=${SERVICE_ACCOUNT_PLACEHOLDER}`);
  });

  test("paths with shell metacharacters are quoted", () => {
    const smoke = buildServiceSmokeTest({ name: "hello", url, customAudiences: [], path: "/a b?x=1&y=$HOME", invokers: [], ingress: "all" });
    expect(smoke.commands.user.endsWith(`'${url}/a b?x=1&y=$HOME'`)).toBe(true);
  });
});

describe("job smoke test", () => {
  test("by default: run URL, gcloud command, IAM expectations and no execution", () => {
    expect(buildJobSmokeTest({ name: "nightly", project: "my-gcp-project", region: "asia-east1" })).toEqual({
      kind: "job",
      name: "nightly",
      project: "my-gcp-project",
      region: "asia-east1",
      runUrl: "https://run.googleapis.com/v2/projects/my-gcp-project/locations/asia-east1/jobs/nightly:run",
      run: false,
      expect: { anonymous: 401, outsider: 403, invoker: "run.jobs.run", execution: "not-run" },
      commands: { execute: "gcloud run jobs execute nightly --region asia-east1 --project my-gcp-project --wait" },
    });
  });

  test("smokeRun: the execution is expected to succeed", () => {
    const smoke = buildJobSmokeTest({ name: "nightly", project: "my-gcp-project", region: "asia-east1", run: true });
    expect(smoke).toMatchObject({ run: true, expect: { execution: "succeeded" } });
  });
});

describe("naming", () => {
  test.each([
    ["./app", "app"],
    ["app/", "app"],
    ["./services/api/", "services/api"],
    ["", "."],
  ])("normalizeSource(%j) = %j", (input, expected) => expect(normalizeSource(input)).toBe(expected));

  test("image names are registry-safe, readable and distinct per source", () => {
    expect(imageNameForSource("./app")).toBe("app");
    expect(imageNameForSource("app/")).toBe("app");
    expect(imageNameForSource("services/api")).toMatch(/^services-api-[0-9a-f]{6}$/);
    // Distinct sources that slug alike still get distinct names (one image resource each).
    expect(imageNameForSource("a/b")).not.toBe(imageNameForSource("a-b"));
    expect(imageNameForSource("a-b")).toBe("a-b");
    expect(imageNameForSource("App")).not.toBe(imageNameForSource("app"));
    expect(imageNameForSource("../Other_App")).toMatch(/^other-app-[0-9a-f]{6}$/);
    expect(imageNameForSource("/tmp/x")).not.toBe(imageNameForSource("/tmp/y"));
  });

  test.each([
    ["service", "hello", "hello-svc"],
    ["job", "nightly", "nightly-job"],
    ["service", "a", "run-a-svc"],
    ["service", "run-a", "run-a-svc"], // same id as "a": config validation refuses the pair
  ] as const)("runtimeAccountId(%s, %s) = %s", (kind, name, expected) => expect(runtimeAccountId(kind, name)).toBe(expected));

  test("long names give valid, distinct account ids (6-30 chars)", () => {
    const a = runtimeAccountId("service", `a${"x".repeat(48)}`);
    const b = runtimeAccountId("service", `b${"x".repeat(48)}`);
    for (const id of [a, b]) expect(id).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
    expect(a).not.toBe(b);
  });

  test("member slugs are stable and distinct", () => {
    expect(memberSlug("user:a@example.com")).toBe(memberSlug("user:a@example.com"));
    expect(memberSlug("user:a@example.com")).not.toBe(memberSlug("user:A@example.com"));
  });
});
