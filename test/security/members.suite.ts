/**
 * Who a grant names, judged by every layer from ONE table
 * (test/support/principalSpellings.ts): the config, InvokerAccess used
 * directly, the policy rules (as the offline plan runs them) and the
 * emulator. Public and refused spellings are refused everywhere; broad ones
 * pass and are marked in the plan with an advisory saying how broad; named
 * ones pass silently. The pack over gRPC: test/policy/pack.suite.ts.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../../config";
import type { RegisteredResource, StackConfig } from "../../contract";
import { InvokerAccess } from "../../components/invokerAccess";
import { validateMembers } from "../../emulator/members";
import { createMocks } from "../../offline/mocks";
import { evaluatePolicies } from "../../policy/rules";
import { emulatorModels, spellings } from "../support/principalSpellings";
import { REPO_ROOT } from "../support/stackHarness";

const INVOKER_ACCESS_BINDING = "urn:pulumi:dev::private-cloud-run::private-cloud-run:index:InvokerAccess$gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding::hello-invokers-binding";

const stack = (invokers: unknown[], principals?: Record<string, unknown[]>): StackConfig => ({
  "gcp:project": "my-gcp-project",
  "gcp:region": "asia-east1",
  ...(principals ? { "private-cloud-run:principals": principals } : {}),
  "private-cloud-run:services": [{ name: "hello", source: "./app", invokers }],
});

function configProblems(config: StackConfig): ConfigError["problems"] {
  try {
    parseStackConfig(config);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("config", () => {
  it.each(spellings("public", "refused"))("refuses %j in invokers and inside a group, saying why", (member, says) => {
    expect(configProblems(stack([member]))).toEqual([{ path: "private-cloud-run:services[0].invokers[0]", value: member, message: expect.stringMatching(says) }]);
    expect(configProblems(stack(["team"], { team: ["user:a@example.com", member] }))).toContainEqual({
      path: "private-cloud-run:principals.team[1]",
      value: member,
      message: expect.stringMatching(says),
    });
  });

  it.each(spellings("broad", "named"))("accepts %j", (member) => {
    expect(configProblems(stack([member]))).toEqual([]);
  });
});

describe("InvokerAccess used directly", () => {
  beforeAll(async () => {
    const mocks = createMocks({ rootDir: REPO_ROOT, project: "my-gcp-project", region: "asia-east1", stack: "direct" });
    await pulumi.runtime.setMocks(mocks, "private-cloud-run", "direct", false);
  });
  let count = 0;
  const workload = () => new cloudrunv2.Service(`members-svc-${++count}`, { location: "asia-east1", template: { containers: [{ image: "x@sha256:0" }] } });

  it.each(spellings("public", "refused"))("refuses %j", (member, says) => {
    expect(() => new InvokerAccess(`refused-${count}`, { kind: "service", workload: workload(), members: [member] })).toThrow(says);
  });

  it.each(spellings("broad", "named"))("grants %j", (member) => {
    expect(new InvokerAccess(`granted-${count}`, { kind: "service", workload: workload(), members: [member] }).members).toHaveLength(1);
  });
});

describe("policy rules, as the offline plan runs them", () => {
  /** The member on InvokerAccess's own binding, on an Artifact Registry repository and on a secret. */
  const grants = (member: string): RegisteredResource[] => [
    { type: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", name: "hello-invokers-binding", parent: "hello-invokers", urn: INVOKER_ACCESS_BINDING, secretInputs: [], component: false, inputs: { name: "hello", location: "asia-east1", role: "roles/run.invoker", members: [member] } },
    { type: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", name: "images-readers", parent: null, urn: "", secretInputs: [], component: false, inputs: { repository: "private-cloud-run", location: "asia-east1", role: "roles/artifactregistry.reader", member } },
    { type: "gcp:secretmanager/secretIamMember:SecretIamMember", name: "db-password-reader", parent: null, urn: "", secretInputs: [], component: false, inputs: { secretId: "db-password", role: "roles/secretmanager.secretAccessor", member } },
  ];
  // The secret grant here goes to no runtime account of the stack, which secret-accessor-runtime-accounts-only
  // refuses whatever the member (test/policy/secretRules.suite.ts); this table is about how members are classified.
  const verdicts = (member: string) => evaluatePolicies(grants(member), { stack: "dev" }).filter((v) => v.policy !== "secret-accessor-runtime-accounts-only");

  it.each(spellings("public", "refused"))("%j is a mandatory no-public-members violation on each grant, naming the resource", (member, says) => {
    const found = verdicts(member);
    expect(found.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource}`)).toEqual([
      "mandatory no-public-members hello-invokers-binding",
      "mandatory no-public-members images-readers",
      "mandatory no-public-members db-password-reader",
    ]);
    for (const violation of found) expect(violation.message).toMatch(says);
  });

  it.each(spellings("broad"))("%j passes, with an advisory saying how broad", (member, says) => {
    const found = verdicts(member);
    expect(found.map((v) => `${v.enforcementLevel} ${v.policy} ${v.resource}`)).toEqual([
      "advisory iam-broad-members hello-invokers-binding",
      "advisory iam-broad-members images-readers",
      "advisory iam-broad-members db-password-reader",
    ]);
    for (const violation of found) expect(violation.message).toMatch(says);
  });

  it.each(spellings("named"))("%j passes silently", (member) => {
    expect(verdicts(member)).toEqual([]);
  });
});

describe("emulator", () => {
  it.each(spellings("public", "refused"))("refuses %j as an invoker", (member, says) => {
    // Federated forms are refused as not modelled; the rest for the table's reason.
    expect(() => validateMembers("invokers", [member])).toThrow(emulatorModels(member) || member === "*" || /public|wildcard/.test(says.source) ? says : /does not model/);
  });

  it.each(spellings("broad", "named"))("%j: accepted when the emulator models its form, refused as not modelled otherwise", (member) => {
    if (emulatorModels(member)) expect(() => validateMembers("invokers", [member])).not.toThrow();
    else expect(() => validateMembers("invokers", [member])).toThrow(/federated principal, which the emulator does not model/);
  });
});
