/**
 * Table tests: each rule against passing and failing resources whose inputs
 * follow @pulumi/gcp 9.x's shapes (see fixtures.ts), including computed values.
 */
import {
  cleanupKeepsDeployedDigest,
  dedicatedRuntimeServiceAccount,
  deletionProtectionOnProduction,
  imagesPinnedByDigest,
  isProductionStack,
  isPublicMember,
  noInvokerIamDisabled,
  noPublicMembers,
  parseArtifactImage,
  PolicyRule,
  ResourceUnderTest,
  UNKNOWN,
  UnverifiedInput,
} from "../../policy/rules";
import {
  bindings,
  DEFAULT_COMPUTE_SA,
  DELETE_OLD_UNTAGGED,
  DIGEST,
  IMAGE,
  job,
  KEEP_RECENT,
  members,
  policies,
  policyJson,
  repository,
  RUNTIME_SA,
  service,
  v1Service,
} from "./fixtures";

/** Runs a per-resource rule; returns its messages and the inputs it reported as computed. */
function check(rule: PolicyRule, resource: ResourceUnderTest, stack = "dev") {
  const unverified: UnverifiedInput[] = [];
  const messages = rule.check!(resource, { stack, unverified: (input) => unverified.push(input) });
  return { messages, unverified: unverified.map((u) => u.path) };
}

/** Runs a whole-stack rule. */
function checkStack(rule: PolicyRule, resources: ResourceUnderTest[], stack = "dev") {
  const unverified: UnverifiedInput[] = [];
  const findings = rule.checkStack!(resources, { stack, unverified: (input) => unverified.push(input) });
  return { findings, unverified: unverified.map((u) => `${u.resource}:${u.path}`) };
}

describe("isPublicMember", () => {
  it.each([
    "allUsers",
    "allAuthenticatedUsers",
    "ALLUSERS",
    "allauthenticatedusers",
    " allUsers ",
    "user:allUsers",
    "group:AllAuthenticatedUsers",
    "domain: allUsers",
    "principalSet://goog/public:all",
  ])("%j is public", (member) => expect(isPublicMember(member)).toBe(true));

  it.each([
    "user:alice@example.com",
    "group:allusers@example.com",
    "serviceAccount:allusers@my-project.iam.gserviceaccount.com",
    "domain:example.com",
    "user:allUsersTeam@example.com",
    "principalSet://iam.googleapis.com/locations/global/workforcePools/p/group/g",
  ])("%j is not public", (member) => expect(isPublicMember(member)).toBe(false));
});

describe("no-public-members (mandatory)", () => {
  it("is mandatory", () => expect(noPublicMembers.enforcementLevel).toBe("mandatory"));

  describe.each(["allUsers", "allAuthenticatedUsers", "AllUsers", "user:allUsers"])("member %j", (publicMember) => {
    it.each(members(publicMember).map((r) => [r.type, r]))("is refused on %s", (_type, resource) => {
      const { messages } = check(noPublicMembers, resource);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain(`member: ${JSON.stringify(publicMember)}`);
      expect(messages[0]).toContain("Fix:");
    });
    it.each(bindings(["user:alice@example.com", publicMember]).map((r) => [r.type, r]))("is refused in members of %s", (_type, resource) => {
      expect(check(noPublicMembers, resource).messages).toEqual([expect.stringContaining(`members[1]: ${JSON.stringify(publicMember)}`)]);
    });
    it.each(
      policies(policyJson([{ role: "roles/run.invoker", members: ["group:eng@example.com", publicMember] }])).map((r) => [r.type, r]),
    )("is refused inside policyData of %s", (_type, resource) => {
      expect(check(noPublicMembers, resource).messages).toEqual([
        expect.stringContaining(`policyData.bindings[0].members[1]: ${JSON.stringify(publicMember)}`),
      ]);
    });
  });

  it("passes named principals on every Member, Binding and Policy type", () => {
    const named = ["user:alice@example.com", "group:eng@example.com", "serviceAccount:ci@my-gcp-project.iam.gserviceaccount.com"];
    const resources = [...members(named[0]), ...bindings(named), ...policies(policyJson([{ role: "roles/run.invoker", members: named }]))];
    expect(resources).toHaveLength(12);
    for (const resource of resources) expect(check(noPublicMembers, resource)).toEqual({ messages: [], unverified: [] });
  });

  it("reports every public member of a binding, under any role", () => {
    const [binding] = bindings(["allUsers", "user:alice@example.com", "allAuthenticatedUsers"]);
    expect(check(noPublicMembers, binding).messages).toHaveLength(2);
    const [policy] = policies(
      policyJson([
        { role: "roles/run.viewer", members: ["allAuthenticatedUsers"] },
        { role: "roles/run.invoker", members: ["user:alice@example.com"] },
      ]),
    );
    expect(check(noPublicMembers, policy).messages).toEqual([expect.stringContaining("policyData.bindings[0].members[0]")]);
  });

  it("refuses policyData it cannot parse (a policy it cannot read is not proven private)", () => {
    const [policy] = policies("{bindings: [");
    expect(check(noPublicMembers, policy).messages).toEqual([expect.stringMatching(/^policyData: not valid JSON .*getIAMPolicy/)]);
  });

  it("reads project IAM too, whatever the role, and ignores resources that grant nothing", () => {
    const projectMember = { type: "gcp:projects/iAMMember:IAMMember", name: "x", inputs: { member: "allUsers", role: "roles/viewer", project: "p" } };
    expect(check(noPublicMembers, projectMember).messages).toEqual([expect.stringContaining('member: "allUsers" would make x public')]);
    expect(check(noPublicMembers, service()).messages).toEqual([]);
  });

  it("reads policyData keys in any case, as the provider decodes them (Bindings, MEMBERS, a BINDINGS beside bindings)", () => {
    for (const policyData of [
      JSON.stringify({ Bindings: [{ Role: "roles/run.invoker", Members: ["allUsers"] }] }),
      JSON.stringify({ bindings: [{ role: "roles/run.invoker", members: ["user:alice@example.com"] }], BINDINGS: [{ ROLE: "roles/run.invoker", MEMBERS: ["allUsers"] }] }),
    ]) {
      const [policy] = policies(policyData);
      expect(check(noPublicMembers, policy).messages).toEqual([expect.stringMatching(/^policyData\.(Bindings|BINDINGS)\[0\]\.(Members|MEMBERS)\[0\]: "allUsers" would make/)]);
    }
  });

  it("reports computed members as unverified, and still refuses the known public ones", () => {
    const [member] = members("x");
    expect(check(noPublicMembers, { ...member, inputs: { ...member.inputs, member: UNKNOWN } })).toEqual({ messages: [], unverified: ["member"] });
    const [binding] = bindings([]);
    const mixed = { ...binding, inputs: { ...binding.inputs, members: ["user:alice@example.com", UNKNOWN, "allUsers"] } };
    expect(check(noPublicMembers, mixed)).toEqual({ messages: [expect.stringContaining("members[2]")], unverified: ["members[1]"] });
    expect(check(noPublicMembers, { ...binding, inputs: { ...binding.inputs, members: UNKNOWN } }).unverified).toEqual(["members"]);
    const [policy] = policies("{}");
    expect(check(noPublicMembers, { ...policy, inputs: { ...policy.inputs, policyData: UNKNOWN } })).toEqual({ messages: [], unverified: ["policyData"] });
  });
});

describe("cloud-run-invoker-iam-enabled (mandatory)", () => {
  it.each([
    ["invokerIamDisabled: true", service({ invokerIamDisabled: true }), ["invokerIamDisabled: true"]],
    ["invokerIamDisabled: false", service({ invokerIamDisabled: false }), []],
    ["invokerIamDisabled unset", service({ invokerIamDisabled: undefined }), []],
    ["v1 annotation \"true\"", v1Service({ "run.googleapis.com/invoker-iam-disabled": "true" }), ["invoker-iam-disabled\"]: \"true\""]],
    ["v1 annotation \"TRUE\"", v1Service({ "run.googleapis.com/invoker-iam-disabled": "TRUE" }), ["invoker-iam-disabled"]],
    ["v1 annotation \"false\"", v1Service({ "run.googleapis.com/invoker-iam-disabled": "false" }), []],
    ["v1 without the annotation", v1Service({ "run.googleapis.com/ingress": "all" }), []],
    ["a job (no such switch)", job(), []],
  ])("%s", (_label, resource, expected) => {
    const { messages } = check(noInvokerIamDisabled, resource);
    expect(messages).toEqual(expected.map((text) => expect.stringContaining(text)));
    for (const message of messages) expect(message).toContain("Fix:");
  });

  it("reports a computed invokerIamDisabled as unverified", () => {
    const computed = service();
    computed.inputs.invokerIamDisabled = UNKNOWN;
    expect(check(noInvokerIamDisabled, computed)).toEqual({ messages: [], unverified: ["invokerIamDisabled"] });
  });
});

describe("cloud-run-dedicated-service-account (mandatory)", () => {
  const withAccount = (account: string | undefined) => service({ template: { serviceAccount: account, containers: [{ image: IMAGE }] } });
  const jobWithAccount = (account: string | undefined) =>
    job({ template: { template: { serviceAccount: account, containers: [{ image: IMAGE }] } } });

  it.each([
    ["service, dedicated account", withAccount(RUNTIME_SA), []],
    ["job, dedicated account", jobWithAccount("nightly-job@my-gcp-project.iam.gserviceaccount.com"), []],
    ["service, account unset", withAccount(undefined), ["template.serviceAccount: (unset)", "default compute service account"]],
    ["service, empty account", withAccount(""), ["template.serviceAccount: \"\""]],
    ["service, default compute account", withAccount(DEFAULT_COMPUTE_SA), [`"${DEFAULT_COMPUTE_SA}" is the default compute`]],
    ["service, default compute account in capitals", withAccount(DEFAULT_COMPUTE_SA.toUpperCase()), ["is the default compute"]],
    ["job, account unset", jobWithAccount(undefined), ["template.template.serviceAccount: (unset)", "job nightly-job"]],
    ["job, default compute account", jobWithAccount(DEFAULT_COMPUTE_SA), ["template.template.serviceAccount"]],
    ["v1 service, dedicated account", v1Service({}), []],
    ["v1 service, account unset", v1Service({}, { containers: [{ image: IMAGE }] }), ["template.spec.serviceAccountName: (unset)", "service legacy-service"]],
    ["v1 service, default compute account", v1Service({}, { serviceAccountName: DEFAULT_COMPUTE_SA, containers: [{ image: IMAGE }] }), ["template.spec.serviceAccountName", "is the default compute"]],
  ])("%s", (_label, resource, expected) => {
    const { messages } = check(dedicatedRuntimeServiceAccount, resource);
    expect(messages).toHaveLength(expected.length === 0 ? 0 : 1);
    for (const text of expected) expect(messages[0]).toContain(text);
  });

  it("does not read the job's outer template (a job's account is template.template.serviceAccount)", () => {
    const misplaced = job();
    (misplaced.inputs.template as Record<string, unknown>).serviceAccount = RUNTIME_SA;
    ((misplaced.inputs.template as Record<string, unknown>).template as Record<string, unknown>).serviceAccount = undefined;
    expect(check(dedicatedRuntimeServiceAccount, misplaced).messages).toHaveLength(1);
  });

  it("reports a computed account (the email of a service account created in the same run) as unverified", () => {
    expect(check(dedicatedRuntimeServiceAccount, service({ template: { serviceAccount: UNKNOWN as never, containers: [] } }))).toEqual({
      messages: [],
      unverified: ["template.serviceAccount"],
    });
    const wholeTemplate = job();
    wholeTemplate.inputs.template = UNKNOWN;
    expect(check(dedicatedRuntimeServiceAccount, wholeTemplate).unverified).toEqual(["template.template.serviceAccount"]);
  });
});

describe("cloud-run-image-by-digest (mandatory)", () => {
  const withImages = (...images: string[]) => service({ template: { serviceAccount: RUNTIME_SA, containers: images.map((image) => ({ image })) } });

  it.each([
    ["digest", withImages(IMAGE), 0],
    ["tag and digest", withImages(IMAGE.replace("@", ":v1@")), 0],
    ["a tag", withImages("asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app:latest"), 1],
    ["no tag at all", withImages("asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app"), 1],
    ["a short digest", withImages(`asia-east1-docker.pkg.dev/p/r/app@${DIGEST.slice(0, 40)}`), 1],
    ["upper-case hex", withImages(`asia-east1-docker.pkg.dev/p/r/app@sha256:${"AB12".repeat(16)}`), 1],
    ["a sha512 digest", withImages(`asia-east1-docker.pkg.dev/p/r/app@sha512:${"ab".repeat(64)}`), 1],
    ["a digest followed by junk", withImages(`${IMAGE}x`), 1],
    ["a pinned app beside a tag-pinned sidecar", withImages(IMAGE, "otel/opentelemetry-collector:0.99.0"), 1],
    ["no containers", service({ template: { serviceAccount: RUNTIME_SA, containers: [] } }), 1],
    ["a job by digest", job(), 0],
    ["a job by tag", job({ template: { template: { serviceAccount: RUNTIME_SA, containers: [{ image: "gcr.io/p/app:v2" }] } } }), 1],
    ["a v1 service by digest", v1Service({}), 0],
    ["a v1 service by tag", v1Service({}, { serviceAccountName: RUNTIME_SA, containers: [{ image: "gcr.io/p/app:latest" }] }), 1],
    ["a v1 service without containers", v1Service({}, { serviceAccountName: RUNTIME_SA }), 1],
  ])("%s", (_label, resource, count) => {
    const { messages } = check(imagesPinnedByDigest, resource);
    expect(messages).toHaveLength(count);
    for (const message of messages) expect(message).toMatch(/not pinned by digest|no container image/);
  });

  it("names the container and the value", () => {
    const { messages } = check(imagesPinnedByDigest, withImages(IMAGE, "gcr.io/p/sidecar:1"));
    expect(messages).toEqual(['template.containers[1].image: "gcr.io/p/sidecar:1" is not pinned by digest. Fix: deploy the pushed image as <repo>/<name>@sha256:<64 hex digits> (the artifact image\'s digest-pinned reference), never a tag.']);
  });

  it("reports a computed image (the digest of an image built in the same run) as unverified", () => {
    const computed = service({ template: { serviceAccount: RUNTIME_SA, containers: [{ image: UNKNOWN as never }, { image: "gcr.io/p/x:1" }] } });
    expect(check(imagesPinnedByDigest, computed)).toEqual({
      messages: [expect.stringContaining("containers[1]")],
      unverified: ["template.containers[0].image"],
    });
  });
});

describe("isProductionStack", () => {
  it.each(["prod", "production", "prd", "live", "PROD", "prod-eu", "eu-prod", "app-prd2", "acme/app/production", "prod1", "Live"])(
    "%j is production",
    (stack) => expect(isProductionStack(stack)).toBe(true),
  );
  it.each(["dev", "staging", "product", "preprod", "prodigy", "delivery", "pr-123", "oliver", ""])("%j is not", (stack) =>
    expect(isProductionStack(stack)).toBe(false),
  );
});

describe("deletion-protection-on-production (advisory)", () => {
  it("is advisory", () => expect(deletionProtectionOnProduction.enforcementLevel).toBe("advisory"));

  it.each([
    ["prod", service({ deletionProtection: false }), 1],
    ["prod-eu", job({ deletionProtection: false }), 1],
    ["prod", service({ deletionProtection: true }), 0],
    ["prod", service({ deletionProtection: undefined }), 0],
    ["dev", service({ deletionProtection: false }), 0],
    ["staging", job({ deletionProtection: false }), 0],
  ])("stack %j, %#", (stack, resource, count) => {
    const { messages } = check(deletionProtectionOnProduction, resource, stack);
    expect(messages).toHaveLength(count);
    if (count) expect(messages[0]).toContain(`deletionProtection: false on production stack "${stack}"`);
  });

  it("reports a computed deletionProtection as unverified only on production", () => {
    const computed = service();
    computed.inputs.deletionProtection = UNKNOWN;
    expect(check(deletionProtectionOnProduction, computed, "prod")).toEqual({ messages: [], unverified: ["deletionProtection"] });
    expect(check(deletionProtectionOnProduction, computed, "dev")).toEqual({ messages: [], unverified: [] });
  });
});

describe("parseArtifactImage", () => {
  it.each([
    [IMAGE, { location: "asia-east1", project: "my-gcp-project", repository: "private-cloud-run", packageName: "app", digest: DIGEST }],
    [`europe-west1-docker.pkg.dev/p/r/team/app:v1@${DIGEST}`, { location: "europe-west1", project: "p", repository: "r", packageName: "team/app", digest: DIGEST }],
    ["us-docker.pkg.dev/p/r/app:latest", { location: "us", project: "p", repository: "r", packageName: "app", digest: undefined }],
    ["example.com:proj", undefined],
    ["gcr.io/p/app@" + DIGEST, undefined],
    ["docker.io/library/nginx:1.27", undefined],
  ])("%s", (image, expected) => expect(parseArtifactImage(image)).toEqual(expected));
});

describe("artifact-cleanup-keeps-deployed-digest (advisory)", () => {
  type Policies = Parameters<typeof repository>[0];
  const deployed = [service(), job()];
  const run = (cleanup: Policies, extra: Parameters<typeof repository>[1] = {}, workloads = deployed) =>
    checkStack(cleanupKeepsDeployedDigest, [repository(cleanup, extra), ...workloads]);

  it("is advisory", () => expect(cleanupKeepsDeployedDigest.enforcementLevel).toBe("advisory"));

  it.each<[string, Policies]>([
    ["the recommended KEEP recent + DELETE old untagged", [KEEP_RECENT, DELETE_OLD_UNTAGGED]],
    ["no cleanup policies", []],
    ["only KEEP", [KEEP_RECENT]],
    ["DELETE TAGGED, with a KEEP mostRecentVersions", [KEEP_RECENT, { id: "d", action: "DELETE", condition: { tagState: "TAGGED", olderThan: "2592000s" } }]],
    ["DELETE limited to another package", [{ id: "d", action: "DELETE", condition: { packageNamePrefixes: ["other-app"] } }]],
    ["DELETE limited to other version names", [{ id: "d", action: "DELETE", condition: { versionNamePrefixes: ["sha256:ffff"] } }]],
    ["DELETE tag prefixes, KEEP every tagged version", [
      { id: "keep-tagged", action: "KEEP", condition: { tagState: "TAGGED" } },
      { id: "d", action: "DELETE", condition: { tagState: "TAGGED", tagPrefixes: ["pr-"] } },
    ]],
    ["DELETE by tag prefix (any tag state), KEEP every tagged version: an untagged version has no tag to match", [
      { id: "keep-tagged", action: "KEEP", condition: { tagState: "TAGGED" } },
      { id: "d", action: "DELETE", condition: { tagPrefixes: ["pr-"] } },
    ]],
    ["DELETE anything, KEEP the app package", [
      { id: "keep-app", action: "KEEP", condition: { packageNamePrefixes: ["app"] } },
      { id: "d", action: "DELETE", condition: { tagState: "ANY", olderThan: "86400s" } },
    ]],
    ["DELETE anything, KEEP that exact digest", [
      { id: "keep-digest", action: "KEEP", condition: { versionNamePrefixes: [DIGEST] } },
      { id: "d", action: "DELETE" },
    ]],
  ])("passes: %s", (_label, cleanup) => {
    expect(run(cleanup)).toEqual({ findings: [], unverified: [] });
  });

  it.each<[string, Policies, string[]]>([
    ["DELETE with only tag prefixes", [{ id: "old-tags", action: "DELETE", condition: { tagPrefixes: ["v", "pr-"] } }], ["once it is tagged"]],
    ["DELETE with only version prefixes", [{ id: "by-version", action: "DELETE", condition: { versionNamePrefixes: ["sha256:"] } }], ["tagged", "untagged"]],
    ["DELETE TAGGED without KEEP", [{ id: "tagged", action: "DELETE", condition: { tagState: "TAGGED", olderThan: "2592000s" } }], ["once it is tagged"]],
    ["DELETE ANY without KEEP", [{ id: "any", action: "DELETE", condition: { tagState: "ANY", olderThan: "2592000s" } }], ["tagged", "untagged"]],
    ["DELETE without a condition", [{ id: "all", action: "DELETE" }], ["(no condition)", "once it is tagged", "once it is untagged"]],
    ["DELETE UNTAGGED without KEEP (the next push untags the deployed digest)", [DELETE_OLD_UNTAGGED], ["once it is untagged"]],
    ["DELETE ANY, KEEP only tagged versions", [
      { id: "keep-tagged", action: "KEEP", condition: { tagState: "TAGGED" } },
      { id: "any", action: "DELETE", condition: { olderThan: "86400s" } },
    ], ["once it is untagged"]],
    ["KEEP recent for another package only", [
      { id: "keep-other", action: "KEEP", mostRecentVersions: { keepCount: 5, packageNamePrefixes: ["other"] } },
      { id: "any", action: "DELETE", condition: { tagState: "ANY" } },
    ], ["once it is tagged", "once it is untagged"]],
    ["KEEP with keepCount 0", [{ id: "keep-none", action: "KEEP", mostRecentVersions: { keepCount: 0 } }, DELETE_OLD_UNTAGGED], ["untagged"]],
    ["KEEP tag prefix (the deployed tag is not known)", [
      { id: "keep-v", action: "KEEP", condition: { tagPrefixes: ["v"] } },
      { id: "tagged", action: "DELETE", condition: { tagState: "TAGGED" } },
    ], ["tagged"]],
  ])("warns: %s", (_label, cleanup, mentions) => {
    const { findings, unverified } = run(cleanup);
    expect(unverified).toEqual([]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ resource: "images-repo", type: "gcp:artifactregistry/repository:Repository" });
    expect(findings[0].message).toContain("hello-service's image");
    expect(findings[0].message).toContain("nightly-job's image");
    expect(findings[0].message).toContain("Fix:");
    for (const text of mentions) expect(findings[0].message).toContain(text);
    if (!mentions.some((text) => text.includes("untagged"))) expect(findings[0].message).not.toContain("untagged");
  });

  it("is quiet when cleanup is a dry run", () => {
    expect(run([DELETE_OLD_UNTAGGED], { cleanupPolicyDryRun: true }).findings).toEqual([]);
  });

  it("ignores repositories the deployed images do not come from", () => {
    expect(run([{ id: "all", action: "DELETE" }], { repositoryId: "other-repo" }).findings).toEqual([]);
    expect(run([{ id: "all", action: "DELETE" }], { project: "other-project" }).findings).toEqual([]);
    expect(run([{ id: "all", action: "DELETE" }], { location: "europe-west1" }).findings).toEqual([]);
    expect(run([{ id: "all", action: "DELETE" }], { format: "NPM" }).findings).toEqual([]);
    expect(run([{ id: "all", action: "DELETE" }], {}, []).findings).toEqual([]);
  });

  it("assumes a computed image may come from any repository", () => {
    const computed = service({ template: { serviceAccount: RUNTIME_SA, containers: [{ image: UNKNOWN as never }] } });
    const { findings } = run([{ id: "all", action: "DELETE" }], { repositoryId: "other-repo" }, [computed]);
    expect(findings).toEqual([expect.objectContaining({ message: expect.stringContaining("hello-service's image (computed until deploy)") })]);
    // …and that the recommended policies keep it all the same.
    expect(run([KEEP_RECENT, DELETE_OLD_UNTAGGED], {}, [computed]).findings).toEqual([]);
    // A package prefix cannot rule out an image whose name is not known yet.
    expect(run([{ id: "d", action: "DELETE", condition: { packageNamePrefixes: ["other-app"] } }], {}, [computed]).findings).toHaveLength(1);
  });

  it("reports computed cleanup policies as unverified", () => {
    const repo = repository([KEEP_RECENT]);
    repo.inputs.cleanupPolicies = [KEEP_RECENT, { id: "d", action: UNKNOWN, condition: { tagState: "TAGGED" } }];
    expect(checkStack(cleanupKeepsDeployedDigest, [repo, service()])).toEqual({
      findings: [],
      unverified: ["images-repo:cleanupPolicies[1].action"],
    });
  });
});
