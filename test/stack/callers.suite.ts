/**
 * Workloads calling workloads: `workload:NAME` in an invoker list (or a group)
 * becomes that workload's runtime account, known from config; unknown and
 * ambiguous names, and a caller of an internal service that does not leave
 * through a VPC, are refused; IAM's per-policy limits are checked at config time.
 */
import { parseStackConfig } from "../../config";
import type { StackConfig } from "../../contract";
import { expectRefusedBeforeRegistering, webAndApi } from "../support/configHarness";

const ALL_TRAFFIC = { subnetwork: "default", egress: "all-traffic" };
const WEB_SA = "serviceAccount:web-svc@my-gcp-project.iam.gserviceaccount.com";
const API_SA = "serviceAccount:api-svc@my-gcp-project.iam.gserviceaccount.com";

const stack = webAndApi;
const API = "private-cloud-run:services[1]";

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  ["a workload name that is not in the stack", stack({}, { invokers: ["workload:wbe"] }), `${API}.invokers[0]`, "workload:wbe", /names no service or job of this stack; services: web, api; jobs: \(none\)/],
  [
    "a name that is both a service and a job",
    stack({}, {}, { "private-cloud-run:jobs": [{ name: "web", source: "./app", invokers: ["user:a@example.com"] }] }),
    `${API}.invokers[0]`,
    "workload:web",
    /names both service web and job web, so the caller is ambiguous; rename one of them/,
  ],
  ["a malformed workload name", stack({}, { invokers: ["workload:Web"] }), `${API}.invokers[0]`, "workload:Web", /malformed workload name after "workload:"/],
  ["an unknown workload inside a group", stack({}, { invokers: ["callers"] }, { "private-cloud-run:principals": { callers: ["workload:nope"] } }), "private-cloud-run:principals.callers[0]", "workload:nope", /names no service or job of this stack/],
  ["a caller of an internal service without a VPC", stack({}, { ingress: "internal" }), `${API}.invokers[0]`, "workload:web", /lets service web \(no vpc\) call api, whose ingress is internal: Cloud Run counts a call from another workload as internal only when it leaves through a VPC/],
  [
    "a caller of an internal-and-cloud-load-balancing service with private-ranges-only egress",
    stack({ vpc: { subnetwork: "default" } }, { ingress: "internal-and-cloud-load-balancing" }),
    `${API}.invokers[0]`,
    "workload:web",
    /lets service web \(vpc egress private-ranges-only\) call api, whose ingress is internal-and-cloud-load-balancing/,
  ],
  ["a VPC-less caller through a group", stack({}, { ingress: "internal", invokers: ["callers"] }, { "private-cloud-run:principals": { callers: ["workload:web"] } }), `${API}.invokers[0]`, "callers", /lets service web \(no vpc\) call api/],
  ["a VPC-less caller written as its runtime account", stack({}, { ingress: "internal", invokers: [WEB_SA] }), `${API}.invokers[0]`, WEB_SA, /lets service web \(no vpc\) call api/],
  [
    "a job calling an internal service without a VPC",
    stack({}, { ingress: "internal", invokers: ["workload:nightly"] }, { "private-cloud-run:jobs": [{ name: "nightly", source: "./app", invokers: ["user:a@example.com"] }] }),
    `${API}.invokers[0]`,
    "workload:nightly",
    /lets job nightly \(no vpc\) call api/,
  ],
  [
    "more than 1,500 principals in one policy",
    stack({}, { invokers: ["many"] }, { "private-cloud-run:principals": { many: Array.from({ length: 1501 }, (_, i) => `user:u${i}@example.com`) } }),
    `${API}.invokers`,
    ["many"],
    /grants 1501 principals once groups are expanded; one IAM policy holds at most 1500/,
  ],
  [
    "more than 250 Google groups and domains in one policy",
    stack({}, { invokers: ["teams", "domain:example.com"] }, { "private-cloud-run:principals": { teams: Array.from({ length: 250 }, (_, i) => `group:g${i}@example.com`) } }),
    `${API}.invokers`,
    ["teams", "domain:example.com"],
    /names 251 Google groups and domains; one IAM policy holds at most 250/,
  ],
];

describe("workload callers: refused with path, value and fix, nothing registered", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => expectRefusedBeforeRegistering(config, path, value, message));
});

describe("workload callers: accepted", () => {
  test("workload:NAME becomes that workload's runtime account, merged and sorted with the other invokers", () => {
    const settings = parseStackConfig(stack({ vpc: ALL_TRAFFIC }, { ingress: "internal", invokers: ["workload:web", "user:b@example.com", WEB_SA] }));
    expect(settings.services[1].invokers).toEqual([WEB_SA, "user:b@example.com"].sort());
  });

  test("through a group, and from a job to a service and back; a job has no ingress, so no VPC is needed to run it", () => {
    const settings = parseStackConfig(
      stack({}, { invokers: ["callers"] }, {
        "private-cloud-run:principals": { callers: ["workload:web", "workload:nightly"] },
        "private-cloud-run:jobs": [{ name: "nightly", source: "./app", invokers: ["workload:api"] }],
      }),
    );
    expect(settings.services[1].invokers).toEqual(["serviceAccount:nightly-job@my-gcp-project.iam.gserviceaccount.com", WEB_SA]);
    expect(settings.jobs[0].invokers).toEqual([API_SA]);
    expect(settings.principals.callers).toEqual(["serviceAccount:nightly-job@my-gcp-project.iam.gserviceaccount.com", WEB_SA]);
  });

  test("exactly 1,500 principals and 250 groups fit", () => {
    const config = stack({}, { invokers: ["many", "teams"] }, {
      "private-cloud-run:principals": {
        many: Array.from({ length: 1250 }, (_, i) => `user:u${i}@example.com`),
        teams: Array.from({ length: 250 }, (_, i) => `group:g${i}@example.com`),
      },
    });
    expect(parseStackConfig(config).services[1].invokers).toHaveLength(1500);
  });
});
