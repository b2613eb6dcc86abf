import { iamEdges, iamTargetType, renderMermaid, shortType } from "../../plan/mermaid";
import { planInProcess } from "../support/planInProcess";
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
    const diagram = renderMermaid(evaluation.resources);
    const lines = diagram.split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(diagram).toContain('subgraph r_hello["hello · private-cloud-run.PrivateService"]');
    expect(diagram).toContain('r_hello_service["hello-service<br/><small>cloudrunv2.Service</small>"]');
    // IAM resources become edges, not boxes.
    expect(diagram).not.toContain("hello-invokers");
    expect(diagram).toContain('p_group_eng_example_com(["group:eng@example.com"])');
    expect(diagram).toContain('p_group_eng_example_com -->|"roles/run.invoker"| r_hello_service');
    expect(diagram).toContain('p_user_alice_example_com -->|"roles/run.invoker"| r_hello_service');
    // A stack-made account that invokes the job is drawn once, as its own box.
    expect(diagram).toContain('r_hello_sa -->|"roles/run.invoker"| r_nightly_job');
    expect(diagram).not.toContain("p_serviceAccount_hello_run");
    expect(diagram).toContain('r_hello_service -.->|"runs as"| r_hello_sa');
    expect(diagram).toContain('r_nightly_job -.->|"runs as"| r_nightly_sa');
    const opened = lines.filter((line) => line.trim().startsWith("subgraph")).length;
    expect(lines.filter((line) => line.trim() === "end")).toHaveLength(opened);
  });

  it("draws an invoker from another project that shares an account id as a principal, not as the stack's account", () => {
    const evaluation = fixtureEvaluation({ invokers: ["serviceAccount:nightly-run@other-project.iam.gserviceaccount.com"], withJob: true });
    const diagram = renderMermaid(evaluation.resources);
    expect(diagram).toContain('p_serviceAccount_nightly_run_other_project_iam_gserviceaccount_com(["serviceAccount:nightly-run@other-project.iam.gserviceaccount.com"])');
    expect(diagram).toContain('p_serviceAccount_nightly_run_other_project_iam_gserviceaccount_com -->|"roles/run.invoker"| r_hello_service');
    expect(diagram).not.toContain('r_nightly_sa -->|"roles/run.invoker"|');
  });

  it("is the same diagram whatever the registration order", () => {
    const resources = fixtureEvaluation({ withJob: true }).resources;
    expect(renderMermaid([...resources].reverse().sort((a, b) => (a.parent === null ? -1 : b.parent === null ? 1 : 0)))).toBe(renderMermaid(resources));
  });

  it("keeps ids apart when names or members clean up to the same id", () => {
    const resources = [
      resource("x:index:Comp", "web", null, {}, { component: true }),
      resource("gcp:cloudrunv2/service:Service", "web", "web", { name: "web" }),
      resource("gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", "web-iam", "web", { name: "web", role: "r", members: ["user:a.b@example.com", "user:a_b@example.com"] }),
    ];
    const diagram = renderMermaid(resources);
    // Same name "web": ids in name-then-type order ("gcp:…" before "x:…").
    expect(diagram).toContain('subgraph r_web_2["web · x.Comp"]');
    expect(diagram).toContain('r_web["web<br/><small>cloudrunv2.Service</small>"]');
    const ids = [...diagram.matchAll(/^ {2}(p_\w+)\(\["(user:[^"]+)"\]\)$/gm)].map((match) => [match[1], match[2]]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids.map(([id]) => id)).size).toBe(2);
    for (const [id] of ids) expect(diagram).toContain(`${id} -->|"r"| r_web\n`);
  });

  it("escapes quotes in labels and keeps an IAM resource whose target is unknown as a box", () => {
    const orphan = resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", 'odd"name', null, { name: "missing", role: "roles/run.invoker", member: "user:x@example.com" });
    const diagram = renderMermaid([orphan]);
    expect(diagram).toContain('r_odd_name["odd#quot;name<br/><small>cloudrunv2.ServiceIamMember</small>"]');
    expect(diagram).toContain('p_user_x_example_com -->|"roles/run.invoker"| r_odd_name');
  });
});

describe("--graph mermaid: secrets, the scheduler and callers", () => {
  it("draws each secret once, as its own node, with an edge from every account that reads it; the grant is no box", () => {
    const evaluation = fixtureEvaluation({ withJob: true });
    const grant = (name: string, parent: string, account: string, secretId: string) =>
      resource("gcp:secretmanager/secretIamMember:SecretIamMember", name, parent, { secretId, role: "roles/secretmanager.secretAccessor", member: `serviceAccount:${account}` });
    const diagram = renderMermaid([
      ...evaluation.resources,
      grant("hello-reads-db", "hello", "hello-run@demo.iam.gserviceaccount.com", "db-password"),
      grant("nightly-reads-db", "nightly", "nightly-run@demo.iam.gserviceaccount.com", "projects/demo/secrets/db-password"),
    ]);
    expect(diagram.match(/s_db_password\[\("secret db-password"\)\]/g)).toHaveLength(1);
    expect(diagram).toContain('r_hello_sa -->|"roles/secretmanager.secretAccessor"| s_db_password');
    expect(diagram).toContain('r_nightly_sa -->|"roles/secretmanager.secretAccessor"| s_db_password');
    expect(diagram).not.toContain("reads-db");
  });

  it("the every-key stack: the scheduler job runs the job as its own account, which is the invoker box; a workload caller is an edge from its runtime account", async () => {
    const { code, stdout } = await planInProcess(["--config", "test/fixtures/Pulumi.every-key.yaml", "--graph", "mermaid"]);
    expect(code).toBe(0);
    expect(stdout).toContain('r_nightly_schedule -.->|"runs on schedule 0 3 * * MON-FRI"| r_nightly_job');
    expect(stdout).toContain('r_nightly_schedule -.->|"calls as"| r_nightly_scheduler_sa');
    expect(stdout).toContain('r_nightly_scheduler_sa -->|"roles/run.invoker"| r_nightly_job');
    expect(stdout).not.toContain("p_serviceAccount_nightly_sched");
    expect(stdout).toContain('r_web_sa -->|"roles/run.invoker"| r_api_service');
    expect(stdout).toContain('r_nightly_sa -->|"roles/secretmanager.secretAccessor"| s_db_password');
    expect(stdout).toContain('r_api_sa -->|"roles/secretmanager.secretAccessor"| s_db_password');
  });
});
