/** Principal parsing and expansion: pure table tests (components/principals.ts). */
import { expandPrincipals, isPublicPrincipal, parsePrincipal, validateGroups, type WorkloadResolver } from "../../components/principals";

describe("parsePrincipal", () => {
  test.each([
    ["user:alice@example.com", { kind: "member", member: "user:alice@example.com" }],
    ["serviceAccount:ci@my-gcp-project.iam.gserviceaccount.com", { kind: "member", member: "serviceAccount:ci@my-gcp-project.iam.gserviceaccount.com" }],
    ["group:eng@example.com", { kind: "member", member: "group:eng@example.com" }],
    ["domain:example.com", { kind: "member", member: "domain:example.com" }],
    [
      "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/subject/repo:acme/app",
      { kind: "member", member: "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/subject/repo:acme/app" },
    ],
    [
      "principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/admins",
      { kind: "member", member: "principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/admins" },
    ],
    // IAM compares emails and domains without case and stores them lower-cased: so do we (no perpetual diff).
    ["user:Alice@Example.COM", { kind: "member", member: "user:alice@example.com" }],
    ["serviceAccount:CI@My-Project.iam.gserviceaccount.com", { kind: "member", member: "serviceAccount:ci@my-project.iam.gserviceaccount.com" }],
    ["serviceAccount:123456-compute@developer.gserviceaccount.com", { kind: "member", member: "serviceAccount:123456-compute@developer.gserviceaccount.com" }],
    ["group:Eng@Example.com", { kind: "member", member: "group:eng@example.com" }],
    ["domain:Example.COM", { kind: "member", member: "domain:example.com" }],
    // Federated identifiers are kept as given: subjects and attribute values are case-sensitive.
    [
      "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/subject/repo:Acme/App",
      { kind: "member", member: "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/subject/repo:Acme/App" },
    ],
    ["team", { kind: "group", name: "team" }],
    ["on-call_2", { kind: "group", name: "on-call_2" }],
    // Another workload of the stack: resolved by the config to its runtime account.
    ["workload:web", { kind: "workload", name: "web" }],
    ["workload:api-v2", { kind: "workload", name: "api-v2" }],
  ])("accepts %s", (input, expected) => {
    expect(parsePrincipal(input)).toEqual(expected);
  });

  test.each([
    ["allUsers", /public/],
    ["allAuthenticatedUsers", /public/],
    ["ALLUSERS", /public/],
    ["allauthenticatedusers", /public/],
    ["user:allUsers", /public/],
    ["group:AllAuthenticatedUsers", /public/],
    [" allUsers ", /public/],
    ["principalSet://goog/public:all", /public/],
    ["", /is empty/],
    ["   ", /is empty/],
    [" user:alice@example.com", /leading or trailing spaces/],
    ["deleted:user:alice@example.com", /unknown prefix "deleted:"/],
    ["serviceaccount:ci@example.com", /unknown prefix "serviceaccount:".*prefixes are case-sensitive: write serviceAccount:ci@example.com/],
    ["User:alice@example.com", /prefixes are case-sensitive: write user:alice@example.com/],
    ["mailto:alice@example.com", /unknown prefix/],
    ["user:alice", /malformed email after "user:"/],
    ["user:", /malformed email/],
    ["group:eng@", /malformed email/],
    ["serviceAccount:ci@@example.com", /malformed email/],
    ["domain:localhost", /malformed domain/],
    ["domain:exa mple.com", /malformed domain/],
    ["principal://", /malformed federated identifier/],
    ["principalSet://iam.googleapis.com", /malformed federated identifier/],
    ["alice@example.com", /is an email without a member prefix; write user:alice@example.com \(or group:alice@example.com for a Google group\)/],
    ["ci@p.iam.gserviceaccount.com", /is an email without a member prefix; write serviceAccount:ci@p.iam.gserviceaccount.com$/],
    ["serviceAccount:alice@example.com", /is not a service-account email \(those end in gserviceaccount.com.*for a person write user:alice@example.com/],
    ["user:ci@p.iam.gserviceaccount.com", /is a service-account email; write serviceAccount:ci@p.iam.gserviceaccount.com/],
    ["group:123-compute@developer.gserviceaccount.com", /is a service-account email; write serviceAccount:/],
    ["not an email @ all", /neither an IAM member nor a group name/],
    ["1team", /neither an IAM member nor a group name/],
  ])("rejects %j", (input, message) => {
    const parsed = parsePrincipal(input);
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && parsed.message).toMatch(message);
  });

  test.each([[42], [null], [undefined], [{ user: "a@example.com" }]])("rejects the non-string %j", (input) => {
    expect(parsePrincipal(input)).toEqual({ kind: "invalid", message: expect.stringMatching(/is not a string/) });
  });
});

describe("isPublicPrincipal", () => {
  test.each([
    ["allUsers", true],
    ["user:ALLUSERS", true],
    ["principalSet://goog/public:all", true],
    ["user:allusers-fan@example.com", false],
    ["group:all-users@example.com", false],
    ["user:alice@example.com", false],
  ])("%s → %s", (input, expected) => {
    expect(isPublicPrincipal(input)).toBe(expected);
  });
});

describe("expandPrincipals", () => {
  const groups = {
    team: ["user:alice@example.com", "group:eng@example.com"],
    bots: ["serviceAccount:ci@p-123456.iam.gserviceaccount.com", "team"],
    loopA: ["loopB"],
    loopB: ["loopA"],
    self: ["self"],
    leaky: ["user:bob@example.com", "allUsers"],
  };

  test.each([
    [["team"], ["group:eng@example.com", "user:alice@example.com"]],
    [["bots"], ["group:eng@example.com", "serviceAccount:ci@p-123456.iam.gserviceaccount.com", "user:alice@example.com"]],
    [["team", "user:alice@example.com", "team"], ["group:eng@example.com", "user:alice@example.com"]],
    [["user:zed@example.com", "user:amy@example.com"], ["user:amy@example.com", "user:zed@example.com"]],
    [["user:Alice@Example.com", "team", "user:ALICE@example.com"], ["group:eng@example.com", "user:alice@example.com"]],
    [["serviceAccount:CI@p-123456.iam.gserviceaccount.com", "bots"], ["group:eng@example.com", "serviceAccount:ci@p-123456.iam.gserviceaccount.com", "user:alice@example.com"]],
    [["domain:Example.com", "domain:example.COM"], ["domain:example.com"]],
    [
      ["principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/Admins", "principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/admins"],
      ["principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/Admins", "principalSet://iam.googleapis.com/locations/global/workforcePools/corp/group/admins"],
    ],
  ])("%j → %j (expanded, merged, sorted)", (input, members) => {
    expect(expandPrincipals(input, groups)).toEqual({ members, problems: [] });
  });

  test.each([
    [["ghost"], 0, /not defined; define it under private-cloud-run:principals/],
    [["user:a@example.com", "loopA"], 1, /refers to itself \(loopA → loopB → loopA\)/],
    [["self"], 0, /refers to itself \(self → self\)/],
    [["leaky"], 0, /"allUsers" in group "leaky" would make the workload public/],
  ])("%j reports entry %i", (input, index, message) => {
    const { problems } = expandPrincipals(input, groups);
    expect(problems).toEqual([{ index, value: input[index], message: expect.stringMatching(message) }]);
  });
});

describe("workload references", () => {
  const WEB = "serviceAccount:web-svc@p-123456.iam.gserviceaccount.com";
  const resolver: WorkloadResolver = (name) => (name === "web" ? { member: WEB } : { problem: `names no service or job of this stack` });
  const groups = { callers: ["workload:web", "user:a@example.com"], broken: ["workload:nope"] };

  test.each([
    ["workload:Web", /malformed workload name after "workload:"/],
    ["workload:", /malformed workload name/],
    ["workload:web/extra", /malformed workload name/],
    ["Workload:web", /unknown prefix "Workload:".*or workload:/],
  ])("rejects %s", (input, message) => {
    expect(parsePrincipal(input)).toEqual({ kind: "invalid", message: expect.stringMatching(message) });
  });

  test("resolve to the runtime account, directly and through groups; an unknown name is a problem at its entry", () => {
    expect(expandPrincipals(["workload:web", "callers", WEB], groups, resolver)).toEqual({ members: [WEB, "user:a@example.com"], problems: [] });
    expect(expandPrincipals(["workload:nope"], groups, resolver).problems).toEqual([{ index: 0, value: "workload:nope", message: "names no service or job of this stack" }]);
    expect(expandPrincipals(["broken"], groups, resolver).problems[0].message).toMatch(/names group "broken", which cannot be expanded: "workload:nope" in group "broken" names no service/);
    expect(validateGroups(groups, resolver)).toEqual([{ group: "broken", index: 0, value: "workload:nope", message: "names no service or job of this stack" }]);
  });

  test("without a stack config (no resolver) a workload reference is refused, not dropped", () => {
    expect(expandPrincipals(["workload:web"], {}).problems[0].message).toMatch(/names a workload, which only the stack config can resolve/);
  });
});

describe("validateGroups", () => {
  test("reports bad entries, self references and bad group names", () => {
    const problems = validateGroups({ ok: ["user:a@example.com"], self: ["self"], pub: ["allAuthenticatedUsers"], "bad:name": [], AllUsers: ["user:a@example.com"], notAList: "user:a@example.com" });
    expect(problems.map((p) => [p.group, p.index])).toEqual([
      ["self", 0],
      ["pub", 0],
      ["bad:name", null],
      ["AllUsers", null],
    ]);
    expect(problems[3].message).toMatch(/names the public; a group cannot be called that/);
  });
});
