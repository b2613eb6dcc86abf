/**
 * stack-accounts-only-their-workloads: a runtime or scheduler account of the
 * stack is used by its own workload (or schedule) only. Any other resource set
 * to run as it, or to mint its tokens (a Pub/Sub push subscription's OIDC
 * token, a workflow, a VM), would act as that account: read its secrets, call
 * what it may call. Granting something TO the account is not using it.
 */
// Each resource's own declaration file: the module indexes would add ~110k lines to the typecheck.
import type { DatasetAccessArgs } from "@pulumi/gcp/bigquery/datasetAccess";
import type { InstanceArgs } from "@pulumi/gcp/compute/instance";
import type { SubscriptionArgs } from "@pulumi/gcp/pubsub/subscription";
import type * as serviceaccount from "@pulumi/gcp/serviceaccount";
import type * as workflows from "@pulumi/gcp/workflows";
import type { Unwrap } from "@pulumi/pulumi";
import { evaluatePolicies, stackAccountsOnlyTheirWorkloads, type ResourceUnderTest } from "../../policy/rules";
import { job, registered, RUNTIME_SA, service } from "./fixtures";

const typed = <T>(type: string, name: string, inputs: T): ResourceUnderTest => ({ type, name, inputs: inputs as unknown as Record<string, unknown> });

const pushAs = (serviceAccountEmail: string) =>
  typed<Unwrap<SubscriptionArgs>>("gcp:pubsub/subscription:Subscription", "push-out", {
    topic: "events",
    pushConfig: { pushEndpoint: "https://collector.example.com/", oidcToken: { serviceAccountEmail, audience: "https://api-abc-de.a.run.app" } },
  });
const workflowAs = (serviceAccount: string) => typed<Unwrap<workflows.WorkflowArgs>>("gcp:workflows/workflow:Workflow", "flow", { region: "asia-east1", serviceAccount, sourceContents: "main: {}" });
const vmAs = (email: string) =>
  typed<Unwrap<InstanceArgs>>("gcp:compute/instance:Instance", "vm", {
    machineType: "e2-micro",
    bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } },
    networkInterfaces: [{ network: "default" }],
    serviceAccount: { email, scopes: ["cloud-platform"] },
  });

function check(...extra: ResourceUnderTest[]): string[] {
  return stackAccountsOnlyTheirWorkloads.checkStack!([service(), job(), ...extra], { stack: "dev" }).map((f) => `${f.resource}: ${f.message}`);
}

describe("stack-accounts-only-their-workloads (mandatory)", () => {
  it.each([
    ["a push subscription with an account of its own", pushAs("pusher@my-gcp-project.iam.gserviceaccount.com")],
    ["access granted TO a runtime account (BigQuery's userByEmail)", typed<Unwrap<DatasetAccessArgs>>("gcp:bigquery/datasetAccess:DatasetAccess", "reader", { datasetId: "d", role: "READER", userByEmail: RUNTIME_SA })],
  ])("passes %s", (_label, resource) => {
    expect(check(resource)).toEqual([]);
  });

  it.each([
    ["a push subscription minting a runtime account's ID tokens for another host", pushAs(RUNTIME_SA), `push-out: pushConfig.oidcToken.serviceAccountEmail: "${RUNTIME_SA}" is the runtime account of service hello`],
    ["a workflow running as a runtime account, named by path and in another case", workflowAs(`projects/my-gcp-project/serviceAccounts/${RUNTIME_SA.toUpperCase()}`), "flow: serviceAccount: "],
    ["a key made for a runtime account (its private key would sit in the stack's state)", typed<Unwrap<serviceaccount.KeyArgs>>("gcp:serviceaccount/key:Key", "key", { serviceAccountId: `projects/my-gcp-project/serviceAccounts/${RUNTIME_SA}` }), "key: serviceAccountId: "],
    ["a VM running as a job's runtime account", vmAs("nightly-job@my-gcp-project.iam.gserviceaccount.com"), "vm: serviceAccount.email: \"nightly-job@my-gcp-project.iam.gserviceaccount.com\" is the runtime account of job nightly"],
  ])("refuses %s", (_label, resource, expected) => {
    const findings = check(resource);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain(expected);
  });

  it("is mandatory in the offline plan", () => {
    const violations = evaluatePolicies([service(), pushAs(RUNTIME_SA)].map((r) => registered(r)), { stack: "dev" });
    expect(violations.map((v) => `${v.enforcementLevel} ${v.policy}`)).toEqual(["mandatory stack-accounts-only-their-workloads"]);
  });
});
