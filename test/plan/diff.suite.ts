import { diffEvaluations, inputChanges, renderDiff, resourceKey } from "../../plan/diff";
import { fixtureEvaluation, resource } from "./fixtures";

describe("--diff", () => {
  it("lists principals added and removed per workload", () => {
    const before = fixtureEvaluation({ invokers: ["user:alice@example.com", "group:eng@example.com"] });
    const after = fixtureEvaluation({ stack: "prod", invokers: ["user:alice@example.com", "user:bob@example.com"] });
    expect(diffEvaluations(before, after).principals).toEqual([
      { kind: "service", workload: "hello", status: "changed", added: ["user:bob@example.com"], removed: ["group:eng@example.com"] },
    ]);
  });

  it("counts every invoker of a workload that appears or disappears", () => {
    const diff = diffEvaluations(fixtureEvaluation(), fixtureEvaluation({ withJob: true }));
    expect(diff.principals).toEqual([
      { kind: "job", workload: "nightly", status: "added", added: ["serviceAccount:hello-run@demo.iam.gserviceaccount.com"], removed: [] },
    ]);
    const gone = diffEvaluations(fixtureEvaluation({ withJob: true }), fixtureEvaluation());
    expect(gone.principals).toEqual([expect.objectContaining({ workload: "nightly", status: "removed", added: [], removed: ["serviceAccount:hello-run@demo.iam.gserviceaccount.com"] })]);
    expect(renderDiff(diff).join("\n")).toContain("  job nightly (new workload):\n    + serviceAccount:hello-run@demo.iam.gserviceaccount.com");
    expect(renderDiff(gone).join("\n")).toContain("  job nightly (workload removed):\n    - serviceAccount:hello-run@demo.iam.gserviceaccount.com");
    expect(diff.resources.added.map((r) => r.name)).toEqual(["nightly", "nightly-invoker-0", "nightly-job", "nightly-sa"]);
    expect(diff.resources.removed).toEqual([]);
    expect(diffEvaluations(fixtureEvaluation({ withJob: true }), fixtureEvaluation()).resources.removed).toHaveLength(4);
  });

  it("matches resources across stacks and names each changed input path", () => {
    const before = fixtureEvaluation({ image: "img@sha256:1111" });
    const after = fixtureEvaluation({ stack: "prod", image: "img@sha256:2222", ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY" });
    const diff = diffEvaluations(before, after);
    expect(diff.from).toBe("dev");
    expect(diff.to).toBe("prod");
    expect(diff.resources.added).toEqual([]);
    expect(diff.resources.changed).toEqual([
      {
        type: "gcp:cloudrunv2/service:Service",
        name: "hello-service",
        parent: "hello",
        changes: [
          { path: "ingress", before: "INGRESS_TRAFFIC_ALL", after: "INGRESS_TRAFFIC_INTERNAL_ONLY" },
          { path: "template.containers[0].image", before: "img@sha256:1111", after: "img@sha256:2222" },
        ],
      },
    ]);
    expect(diffEvaluations(before, before).resources.changed).toEqual([]);
  });

  it("detects a secret change but never shows the secret", () => {
    const before = fixtureEvaluation({ password: "old-secret" });
    const after = fixtureEvaluation({ password: "new-secret" });
    const diff = diffEvaluations(before, after);
    expect(diff.resources.changed).toHaveLength(1);
    // Reported under the secret key itself: not even its inner structure is shown.
    expect(diff.resources.changed[0].changes).toEqual([{ path: "registries", before: "[secret]", after: "[secret]" }]);
    const text = renderDiff(diff).join("\n") + JSON.stringify(diff);
    expect(text).not.toMatch(/old-secret|new-secret/);
  });

  it("reports inputs that appear or disappear as unset", () => {
    const a = resource("t:m:T", "x", null, { keep: 1, gone: "a" });
    const b = resource("t:m:T", "x", null, { keep: 1, fresh: ["b"] });
    expect(inputChanges(a, b)).toEqual([
      { path: "fresh", before: undefined, after: ["b"] },
      { path: "gone", before: "a", after: undefined },
    ]);
    const secretGone = { ...a, secretInputs: ["gone"] };
    expect(inputChanges(secretGone, b)).toEqual([
      { path: "fresh", before: undefined, after: ["b"] },
      { path: "gone", before: "[secret]", after: undefined },
    ]);
  });

  it("compares lists of names as sets and objects in lists by position", () => {
    const a = resource("t:m:T", "x", null, { members: ["a", "b"], containers: [{ image: "i1" }] });
    const b = resource("t:m:T", "x", null, { members: ["b", "a"], containers: [{ image: "i2" }] });
    const text = renderDiff({ from: "a", to: "b", principals: [], secretAccess: [], workloadSettings: [], notes: {}, resources: { added: [], removed: [], changed: [{ ...b, changes: inputChanges(a, b) }] } }).join("\n");
    expect(text).toContain('      members: reordered ["b","a"]');
    expect(text).toContain("      containers[0].image: i1 → i2");
  });

  it("keys resources by URN without the stack", () => {
    expect(resourceKey(resource("pulumi:pulumi:Stack", "private-cloud-run-dev", null))).toBe(resourceKey(resource("pulumi:pulumi:Stack", "private-cloud-run-prod", null)));
    expect(resourceKey(resource("gcp:x/y:Z", "n", null))).toBe("private-cloud-run::gcp:x/y:Z::n");
    expect(resourceKey({ ...resource("gcp:x/y:Z", "n", "p"), urn: "odd" })).toBe("gcp:x/y:Z::p::n");
  });

  it("renders a reviewer's summary", () => {
    const text = renderDiff(diffEvaluations(fixtureEvaluation(), fixtureEvaluation({ stack: "prod", invokers: ["user:bob@example.com"], withJob: true }))).join("\n");
    expect(text).toContain("Diff dev → prod");
    expect(text).toContain("  service hello:\n    + user:bob@example.com\n    - group:eng@example.com\n    - user:alice@example.com");
    expect(text).toContain("Resources: 4 added, 0 removed, 1 changed");
    expect(text).toContain("  + nightly-job  (gcp:cloudrunv2/job:Job)");
    expect(text).toContain("      members: + user:bob@example.com  - group:eng@example.com  - user:alice@example.com");
  });
});
