/**
 * A custom audience widens which ID tokens a service accepts. `*`, another
 * service's run.app URL or an OAuth client id would let a token minted for
 * something else be replayed here: each layer that sees `customAudiences`
 * refuses them (config, PrivateService used directly, the policy rules; the
 * pack over gRPC in test/policy/pack.suite.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../config";
import type { StackConfig } from "../../contract";
import { PrivateService } from "../../components/privateService";
import { createMocks } from "../../offline/mocks";
import { evaluatePolicies } from "../../policy/rules";
import { service } from "../policy/fixtures";
import { ACCEPTED_AUDIENCES, REFUSED_AUDIENCES } from "../support/audiences";

const config = (customAudiences: unknown): StackConfig => ({
  "gcp:project": "my-gcp-project",
  "gcp:region": "asia-east1",
  "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"], customAudiences }],
});

function problemsOf(value: StackConfig): ConfigError["problems"] {
  try {
    parseStackConfig(value);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("config", () => {
  it.each(REFUSED_AUDIENCES)("refuses %j, naming the key, the value and the fix", (audience, why) => {
    expect(problemsOf(config([audience]))).toEqual([
      { path: "private-cloud-run:services[0].customAudiences[0]", value: audience, message: expect.stringMatching(why) },
    ]);
    expect(problemsOf(config([audience]))[0].message).toMatch(/write the https:\/\/ URL your callers use, e\.g\. https:\/\/api\.example\.com/);
  });

  it.each(ACCEPTED_AUDIENCES)("accepts %j", (audience) => {
    expect(parseStackConfig(config([audience])).services[0].customAudiences).toEqual([audience]);
  });
});

describe("PrivateService used directly", () => {
  const registered: string[] = [];
  beforeAll(async () => {
    const mocks = createMocks({ rootDir: path.resolve(__dirname, "../.."), project: "my-gcp-project", region: "asia-east1", stack: "direct" });
    await pulumi.runtime.setMocks({ newResource: (args) => (registered.push(args.name), mocks.newResource(args)), call: (args) => mocks.call(args) }, "private-cloud-run", "direct", false);
  });
  const args = (customAudiences: string[]) => ({
    project: "my-gcp-project",
    region: "asia-east1",
    image: "asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app@sha256:" + "ab".repeat(32),
    invokers: ["user:a@example.com"],
    customAudiences,
  });

  it.each(REFUSED_AUDIENCES)("refuses %j before registering anything", async (audience, why) => {
    expect(() => new PrivateService(`direct-${registered.length}`, args([audience]))).toThrow(why);
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs(); // eslint-disable-line @typescript-eslint/no-require-imports
    expect(registered.filter((name) => name.startsWith("direct"))).toEqual([]);
  });

  it("accepts a custom domain's URL", () => {
    expect(() => new PrivateService("accepted", args(["https://api.example.com"]))).not.toThrow();
  });
});

describe("policy rules", () => {
  it.each(REFUSED_AUDIENCES)("a Service with customAudiences [%j] is a mandatory violation naming the value", (audience, why) => {
    const found = evaluatePolicies([{ ...service({ customAudiences: [audience] }), parent: null, urn: "", secretInputs: [], component: false }], { stack: "dev" });
    expect(found).toEqual([
      expect.objectContaining({ policy: "cloud-run-custom-audiences", resource: "hello-service", enforcementLevel: "mandatory", message: expect.stringMatching(why) }),
    ]);
    expect(found[0].message).toContain(`customAudiences[0]: ${JSON.stringify(audience)}`);
  });

  it.each(ACCEPTED_AUDIENCES)("accepts %j", (audience) => {
    expect(evaluatePolicies([{ ...service({ customAudiences: [audience] }), parent: null, urn: "", secretInputs: [], component: false }], { stack: "dev" })).toEqual([]);
  });
});
