/**
 * The offline entry point (evaluatePolicies) and the CrossGuard adapter, in
 * process: component skipping, computed values, errors, URN parsing, and the
 * props proxy CrossGuard really hands to policies (unknownCheckingProxy).
 */
import { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy, unknownCheckingProxy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { evaluateWith } from "../../policy/checks/evaluate";
import { normalizeInputs } from "../../policy/checks/inputs";
import { stackOfUrn, toPlainInputs, toPolicies } from "../../policy/crossguard";
import { evaluatePolicies, PolicyRule, rules, UNKNOWN } from "../../policy/rules";
import { IMAGE, members, registered, repository, service } from "./fixtures";

/** The engine's wire sentinel for a computed string, which CrossGuard's proxy refuses to read. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("evaluatePolicies", () => {
  it("skips component resources (their inputs are not cloud settings)", () => {
    const component = { ...registered(members("allUsers")[0]), type: "private-cloud-run:index:InvokerAccess", component: true };
    expect(evaluatePolicies([component], { stack: "dev" })).toEqual([]);
  });

  it("reports the policy, resource, type, level and message of each violation", () => {
    const [member] = members("allUsers");
    const underInvokerAccess = { ...registered(member), urn: `urn:pulumi:dev::private-cloud-run::private-cloud-run:index:InvokerAccess$${member.type}::${member.name}` };
    expect(evaluatePolicies([underInvokerAccess], { stack: "dev" })).toEqual([
      {
        policy: "no-public-members",
        resource: member.name,
        type: member.type,
        enforcementLevel: "mandatory",
        message: expect.stringContaining('member: "allUsers" would make'),
      },
    ]);
  });

  it("turns pulumi.unknown, wire sentinels and UNKNOWN alike into advisory unverified findings", () => {
    for (const computed of [pulumi.unknown, UNKNOWN_STRING, UNKNOWN]) {
      const resource = registered(service({ invokerIamDisabled: computed as never }));
      expect(evaluatePolicies([resource], { stack: "dev" })).toEqual([
        expect.objectContaining({ policy: "cloud-run-invoker-iam-enabled", enforcementLevel: "advisory", unverified: true }),
      ]);
    }
  });

  it("runs whole-stack rules after per-resource ones", () => {
    const violations = evaluatePolicies(
      [registered(repository([{ id: "all", action: "DELETE" }])), registered(service({ deletionProtection: false }))],
      { stack: "prod" },
    );
    expect(violations.map((v) => v.policy)).toEqual(["deletion-protection-on-production", "artifact-cleanup-keeps-deployed-digest"]);
  });

  it("names the rule and the resource when a rule throws", () => {
    const broken: PolicyRule = { name: "broken", description: "d", enforcementLevel: "mandatory", check: () => { throw new Error("boom"); } };
    expect(() => evaluateWith([broken], [registered(service())], { stack: "dev" })).toThrow('policy "broken" failed on resource "hello-service": boom');
  });
});

describe("normalizeInputs", () => {
  it("replaces computed values at any depth and copies the rest", () => {
    const input = { a: [1, pulumi.unknown, { b: UNKNOWN_STRING }], c: "x", d: null };
    const out = normalizeInputs(input);
    expect(out).toEqual({ a: [1, UNKNOWN, { b: UNKNOWN }], c: "x", d: null });
    expect(input.a[1]).toBe(pulumi.unknown);
  });
});

describe("the CrossGuard adapter", () => {
  const policies = toPolicies(rules);
  const resourcePolicy = (name: string) => policies.find((p) => p.name === name) as ResourceValidationPolicy;

  /** Calls a resource policy as CrossGuard would, with props behind its unknown-checking proxy. */
  function validate(name: string, type: string, props: Record<string, unknown>, urn = `urn:pulumi:dev::p::${type}::r`) {
    const reported: string[] = [];
    let notApplicable: string | undefined;
    const args = {
      type,
      name: "r",
      urn,
      props: unknownCheckingProxy(props),
      notApplicable: (reason?: string) => {
        notApplicable = reason;
        throw new Error("not applicable");
      },
    } as unknown as ResourceValidationArgs;
    const run = resourcePolicy(name).validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void;
    try {
      run(args, (message) => reported.push(message));
    } catch (error) {
      if (notApplicable === undefined) throw error;
    }
    return { reported, notApplicable };
  }

  it("makes one policy per rule, resource or stack as the rule is", () => {
    expect(policies.map((p) => p.name)).toEqual(rules.map((r) => r.name));
    expect("validateStack" in resourcePolicy("artifact-cleanup-keeps-deployed-digest")).toBe(true);
    expect("validateResource" in resourcePolicy("no-public-members")).toBe(true);
  });

  it("copies proxied props into plain data, computed values as UNKNOWN", () => {
    const proxied = unknownCheckingProxy({ template: { containers: [{ image: UNKNOWN_STRING }, { image: IMAGE }] }, n: 1 });
    expect(() => proxied.template.containers[0].image).toThrow(/can't be known during preview/);
    expect(toPlainInputs(proxied)).toEqual({ template: { containers: [{ image: UNKNOWN }, { image: IMAGE }] }, n: 1 });
  });

  it("reports violations through reportViolation", () => {
    const { type, inputs } = service({ invokerIamDisabled: true });
    expect(validate("cloud-run-invoker-iam-enabled", type, JSON.parse(JSON.stringify(inputs)))).toEqual({
      reported: [expect.stringContaining("invokerIamDisabled: true")],
      notApplicable: undefined,
    });
  });

  it("says not applicable, with the reason, when the input is computed", () => {
    const { type, inputs } = service();
    const props = { ...JSON.parse(JSON.stringify(inputs)), invokerIamDisabled: UNKNOWN_STRING };
    const { reported, notApplicable } = validate("cloud-run-invoker-iam-enabled", type, props);
    expect(reported).toEqual([]);
    expect(notApplicable).toContain("invokerIamDisabled is computed");
  });

  it("reads the stack name from the URN", () => {
    expect(stackOfUrn("urn:pulumi:prod::private-cloud-run::gcp:cloudrunv2/service:Service::hello")).toBe("prod");
    expect(stackOfUrn("urn:pulumi:acme-prod-eu::p::t::n")).toBe("acme-prod-eu");
    expect(stackOfUrn("not-a-urn")).toBe("");
    const { type, inputs } = service({ deletionProtection: false });
    const plain = JSON.parse(JSON.stringify(inputs));
    expect(validate("deletion-protection-on-production", type, plain, `urn:pulumi:prod::p::${type}::r`).reported).toHaveLength(1);
    expect(validate("deletion-protection-on-production", type, plain, `urn:pulumi:dev::p::${type}::r`).reported).toHaveLength(0);
  });

  it("attributes stack findings to the resource's URN", () => {
    const stackPolicy = resourcePolicy("artifact-cleanup-keeps-deployed-digest") as unknown as StackValidationPolicy;
    const repo = repository([{ id: "all", action: "DELETE" }]);
    const svc = service();
    const asPolicyResource = (r: { type: string; name: string; inputs: Record<string, unknown> }) => ({
      type: r.type,
      name: r.name,
      urn: `urn:pulumi:dev::p::${r.type}::${r.name}`,
      props: unknownCheckingProxy(JSON.parse(JSON.stringify(r.inputs))),
    });
    const reports: [string, string | undefined][] = [];
    const args = { resources: [asPolicyResource(repo), asPolicyResource(svc)], notApplicable: () => undefined } as unknown as StackValidationArgs;
    stackPolicy.validateStack(args, (message, urn) => reports.push([message, urn]));
    expect(reports).toEqual([[expect.stringContaining('cleanupPolicies[0] "all"'), `urn:pulumi:dev::p::${repo.type}::${repo.name}`]]);
  });
});
