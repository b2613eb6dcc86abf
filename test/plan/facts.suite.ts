/**
 * The plan reads a workload's Cloud Run resource, its runtime account and what a grant
 * is on from what the components published (their registered outputs), not from names:
 * a look-alike resource that shares a name must not be taken for the workload's.
 */
import { COMPONENT_TYPES, TYPES, type RegisteredResource } from "../../contract";
import { publishedFacts } from "../../plan/facts";
import { renderMermaid } from "../../plan/mermaid";
import { summarizeWorkloads } from "../../plan/workloads";
import { fixtureEvaluation, resource } from "./fixtures";

describe("published facts", () => {
  it("the workload summary shows the Cloud Run service its component published, not another one of the same name", () => {
    const evaluation = fixtureEvaluation();
    // Registered first, named like the workload: name matching would have picked it.
    const lookalike = resource(TYPES.service, "hello", null, { name: "hello", location: "europe-west1", ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY", deletionProtection: true });
    evaluation.resources.unshift(lookalike);
    const [hello] = summarizeWorkloads(evaluation);
    expect([hello.region, hello.ingress, hello.deletionProtection]).toEqual(["asia-east1", "INGRESS_TRAFFIC_ALL", "off"]);
  });

  it("a workload whose component published nothing is summarised from the stack outputs alone", () => {
    const evaluation = fixtureEvaluation();
    for (const r of evaluation.resources) delete r.outputs;
    const [hello] = summarizeWorkloads(evaluation);
    expect([hello.region, hello.ingress, hello.deletionProtection]).toEqual(["asia-east1", null, "unknown"]);
  });

  it("a grant is drawn on the workload its InvokerAccess published, whatever its name input says", () => {
    const service = resource(TYPES.service, "web-service", "web", { name: "web", location: "asia-east1" });
    // The binding's `name` is computed (unknown until deploy) and it shares no parent with the service.
    const binding = resource(TYPES.serviceBinding, "web-invokers-binding", "web-invokers", { role: "roles/run.invoker", members: ["user:a@example.com"] });
    const access = resource(COMPONENT_TYPES.invokerAccess, "web-invokers", "web", {}, { component: true, outputs: { workload: service.urn, grants: [binding.urn] } });
    const component = resource(COMPONENT_TYPES.privateService, "web", null, {}, { component: true });
    const resources: RegisteredResource[] = [component, service, access, binding];
    expect(publishedFacts(resources).grantTargets.get(binding.urn)).toBe(service);
    const diagram = renderMermaid(resources);
    expect(diagram).toContain('p_user_a_example_com -->|"roles/run.invoker"| r_web_service');
    expect(diagram).not.toContain("web-invokers-binding<br/>");
  });

  it("the runs-as edge and an invoker that is the stack's own account come from the published account, not from a look-alike", () => {
    const evaluation = fixtureEvaluation({ withJob: true });
    // An account of the same id and project, outside any component: matching by accountId would draw edges to it.
    evaluation.resources.unshift(resource(TYPES.account, "aaa-lookalike", null, { accountId: "hello-run", project: "demo" }));
    const diagram = renderMermaid(evaluation.resources);
    expect(diagram).toContain('r_hello_service -.->|"runs as"| r_hello_sa');
    expect(diagram).toContain('r_hello_sa -->|"roles/run.invoker"| r_nightly_job');
    expect(diagram).not.toMatch(/r_aaa_lookalike -/);
    expect(diagram).not.toMatch(/-> r_aaa_lookalike|\| r_aaa_lookalike/);
  });
});
