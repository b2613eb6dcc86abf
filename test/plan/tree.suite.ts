import { buildTree, keyInputs, renderTree } from "../../plan/tree";
import { fixtureEvaluation, resource } from "./fixtures";

describe("resource tree", () => {
  it("groups every resource under its component, siblings sorted by name whatever the registration order", () => {
    const resources = fixtureEvaluation({ withJob: true }).resources;
    for (const order of [resources, [...resources.slice(3), ...resources.slice(0, 3)]]) {
      const roots = buildTree(order);
      expect(roots.map((root) => root.resource.name)).toEqual(["app", "hello", "nightly"]);
      expect(roots[1].children.map((child) => child.resource.name)).toEqual(["hello-invokers", "hello-sa", "hello-service"]);
      expect(roots[2].children.map((child) => child.resource.name)).toEqual(["nightly-invoker-0", "nightly-job", "nightly-sa"]);
    }
  });

  it("nests components and prefers a component parent when a custom resource shares its name", () => {
    const resources = [
      resource("x:index:Outer", "web", null, {}, { component: true }),
      resource("gcp:cloudrunv2/service:Service", "web", "web", { name: "web" }),
      resource("x:index:Inner", "web-iam", "web", {}, { component: true }),
      resource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "web-m0", "web-iam", { role: "roles/run.invoker", member: "user:a@example.com" }),
      resource("gcp:projects/service:Service", "run-api", "not-registered", { service: "run.googleapis.com" }),
    ];
    const roots = buildTree(resources);
    expect(roots.map((root) => root.resource.name)).toEqual(["run-api", "web"]);
    expect(roots[1].children.map((child) => child.resource.name)).toEqual(["web", "web-iam"]);
    expect(roots[1].children[1].children[0].resource.name).toBe("web-m0");
  });

  it("renders guides, type tokens and key inputs", () => {
    const lines = renderTree(fixtureEvaluation().resources);
    expect(lines).toContain("hello  (private-cloud-run:index:PrivateService)");
    expect(lines).toContain("├─ hello-sa  (gcp:serviceaccount/account:Account)  accountId=hello-run");
    const service = lines.find((line) => line.includes("hello-service"));
    expect(service).toMatch(/^└─ hello-service {2}\(gcp:cloudrunv2\/service:Service\)/);
    expect(service).toContain("ingress=INGRESS_TRAFFIC_ALL");
    expect(service).toContain("deletionProtection=false");
    expect(service).toContain("template.serviceAccount=hello-run@demo.iam.gserviceaccount.com");
    expect(lines).toContain('├─ hello-invokers  (gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding)  name=hello  role=roles/run.invoker  members=["group:eng@example.com","user:alice@example.com"]');
  });

  it("never shows a secret input", () => {
    const password = "ya29.must-not-leak";
    const image = fixtureEvaluation({ password }).resources.find((r) => r.name === "app-image");
    expect(keyInputs({ ...image!, type: "unknown:index:Thing", inputs: { registries: password, push: true } })).toEqual(["registries=[secret]", "push=true"]);
    expect(renderTree(fixtureEvaluation({ password }).resources).join("\n")).not.toContain(password);
  });
});
