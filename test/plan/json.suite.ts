import { planDocument } from "../../plan/json";
import type { Violation } from "../../plan/policyTypes";
import { fixtureEvaluation } from "./fixtures";

describe("--json document", () => {
  const violation: Violation = {
    policy: "cloud-run-image-by-digest",
    resource: "hello-service",
    type: "gcp:cloudrunv2/service:Service",
    message: "image is not pinned by digest",
    enforcementLevel: "mandatory",
  };

  it("has exactly the keys docs/plan.md documents, every resource, and secrets shown as [secret]", () => {
    const evaluation = fixtureEvaluation({ password: "ya29.never-printed" });
    const document = planDocument(evaluation, [violation]);
    expect(Object.keys(document)).toEqual(["stack", "resources", "violations"]);
    expect(document.stack).toBe("dev");
    expect(document.resources).toHaveLength(evaluation.resources.length);
    for (const entry of document.resources) expect(Object.keys(entry)).toEqual(["type", "name", "parent", "inputs"]);
    expect(document.resources.find((r) => r.name === "app-image")!.inputs.registries).toBe("[secret]");
    expect(document.resources.find((r) => r.name === "hello-invokers")).toEqual({
      type: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
      name: "hello-invokers",
      parent: "hello",
      inputs: { name: "hello", location: "asia-east1", role: "roles/run.invoker", members: ["group:eng@example.com", "user:alice@example.com"] },
    });
    expect(document.violations).toEqual([{ policy: violation.policy, resource: violation.resource, message: violation.message, enforcementLevel: "mandatory" }]);
    expect(JSON.stringify(document)).not.toContain("ya29.never-printed");
  });

  it("lists resources by name then type, whatever the registration order", () => {
    const evaluation = fixtureEvaluation({ withJob: true });
    const reversed = { ...evaluation, resources: [...evaluation.resources].reverse() };
    const names = planDocument(evaluation, []).resources.map((r) => r.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
    expect(planDocument(reversed, [])).toEqual(planDocument(evaluation, []));
  });

  it("does not mutate the evaluation (the rehearsal still needs the real values)", () => {
    const evaluation = fixtureEvaluation({ password: "p" });
    planDocument(evaluation, []);
    const image = evaluation.resources.find((r) => r.name === "app-image")!;
    expect((image.inputs.registries as { password: string }[])[0].password).toBe("p");
  });
});
