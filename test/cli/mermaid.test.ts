import { iamEdges, iamTargetType, renderMermaid, shortType } from "../../cli/mermaid";
import { fixtureEvaluation, resource } from "./fixtures";

describe("--graph mermaid", () => {
  it("derives the resource an IAM type grants on", () => {
    expect(iamTargetType("gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding")).toBe("gcp:cloudrunv2/service:Service");
    expect(iamTargetType("gcp:cloudrunv2/jobIamMember:JobIamMember")).toBe("gcp:cloudrunv2/job:Job");
    expect(iamTargetType("gcp:cloudrun/iamPolicy:IamPolicy")).toBe("gcp:cloudrun/:");
    expect(shortType("gcp:cloudrunv2/service:Service")).toBe("cloudrunv2.Service");
    expect(shortType("docker-build:index:Image")).toBe("docker-build.Image");
  });

  it("reads grants from Binding, Member and Policy resources", () => {
    const service = resource("gcp:cloudrunv2/service:Service", "svc", null, { name: "web" });
    const policy = resource("gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", "pol", null, {
      name: "projects/p/locations/r/services/web",
      policyData: JSON.stringify({ bindings: [{ role: "roles/run.invoker", members: ["user:a@example.com", "domain:example.com"] }] }),
    });
    const edges = iamEdges([service, policy]);
    expect(edges.map((edge) => [edge.member, edge.role, edge.target?.name])).toEqual([
      ["user:a@example.com", "roles/run.invoker", "svc"],
      ["domain:example.com", "roles/run.invoker", "svc"],
    ]);
    const broken = resource("gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", "bad", null, { policyData: "{not json" });
    expect(iamEdges([broken])).toEqual([]);
  });

  it("draws components as subgraphs, IAM as principal edges and runtime accounts as dotted edges", () => {
    const evaluation = fixtureEvaluation({ withJob: true });
    const ids = new Map(evaluation.resources.map((r, index) => [r.name, `r${index}`]));
    const diagram = renderMermaid(evaluation.resources);
    const lines = diagram.split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(diagram).toContain(`subgraph ${ids.get("hello")}["hello · private-cloud-run.PrivateService"]`);
    expect(diagram).toContain(`${ids.get("hello-service")}["hello-service<br/><small>cloudrunv2.Service</small>"]`);
    // IAM resources become edges, not boxes.
    expect(diagram).not.toContain("hello-invokers");
    expect(diagram).toContain('p0(["group:eng@example.com"])');
    expect(diagram).toContain(`p0 -->|"roles/run.invoker"| ${ids.get("hello-service")}`);
    expect(diagram).toContain(`p1 -->|"roles/run.invoker"| ${ids.get("hello-service")}`);
    // A stack-made account that invokes the job is drawn once, as its own box.
    expect(diagram).toContain(`${ids.get("hello-sa")} -->|"roles/run.invoker"| ${ids.get("nightly-job")}`);
    expect(diagram).toContain(`${ids.get("hello-service")} -.->|"runs as"| ${ids.get("hello-sa")}`);
    expect(diagram).toContain(`${ids.get("nightly-job")} -.->|"runs as"| ${ids.get("nightly-sa")}`);
    const opened = lines.filter((line) => line.trim().startsWith("subgraph")).length;
    expect(lines.filter((line) => line.trim() === "end")).toHaveLength(opened);
  });

  it("escapes quotes in labels and keeps an IAM resource whose target is unknown as a box", () => {
    const orphan = resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", 'odd"name', null, { name: "missing", role: "roles/run.invoker", member: "user:x@example.com" });
    const diagram = renderMermaid([orphan]);
    expect(diagram).toContain('r0["odd#quot;name<br/><small>cloudrunv2.ServiceIamMember</small>"]');
    expect(diagram).toContain('p0 -->|"roles/run.invoker"| r0');
  });
});
