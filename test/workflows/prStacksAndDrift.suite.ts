/**
 * The scripts behind the PR-stack destroy, the janitor and the drift check:
 * which PR stacks exist and which belong to closed pull requests, and what a
 * refreshed preview says drifted (named, with the out-of-band IAM members).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedPrStacks, main as prStacksMain, openPullRequests, stackNames } from "../../.github/scripts/prStacks";
import { main as driftReportMain, findDrift, formatDrift, renderReport } from "../../.github/scripts/driftReport";
import { runScriptInProcess } from "../support/scriptInProcess";
import { TSX_NODE_ARGS } from "../support/tsxProcess";
import { REPO_ROOT } from "./workflowModel";

/** As the workflows run it (`npx tsx SCRIPT`), in one child process: one case per script. */
const scriptProcess = (name: string, args: string[]) => spawnSync(process.execPath, [...TSX_NODE_ARGS, join(REPO_ROOT, ".github/scripts", name), ...args], { encoding: "utf8" });
/** The same command line in-process: every other case. */
const MAINS = { "prStacks.ts": prStacksMain, "driftReport.ts": driftReportMain };
const script = (name: keyof typeof MAINS, args: string[]) => runScriptInProcess(MAINS[name], args);

describe("prStacks", () => {
  const listing = [{ name: "dev" }, { name: "prod" }, { name: "pr-7" }, { name: "organization/private-cloud-run/pr-42" }, { name: "pr-x" }, { name: "pr-007" }];

  it("reads stack names from `pulumi stack ls --json`, fully qualified or not", () => {
    expect(stackNames(listing)).toEqual(["dev", "prod", "pr-7", "pr-42", "pr-x", "pr-007"]);
    expect(() => stackNames({ name: "dev" })).toThrow(/^--stacks: expected the JSON list `pulumi stack ls --json` prints/);
  });

  it("lists only pr-<N> stacks whose pull request is not open; never dev, prod or a look-alike", () => {
    expect(closedPrStacks(stackNames(listing), openPullRequests([{ number: 42 }]))).toEqual(["pr-7"]);
    expect(closedPrStacks(stackNames(listing), openPullRequests([]))).toEqual(["pr-42", "pr-7"]);
    expect(closedPrStacks(stackNames(listing), openPullRequests([{ number: 7 }, { number: 42 }]))).toEqual([]);
    expect(() => openPullRequests([{ number: "7" }])).toThrow(/^--open: expected the JSON list `gh pr list --state open --json number` prints/);
  });

  describe("as the workflows run it", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "pr-stacks-"));
      writeFileSync(join(dir, "stacks.json"), JSON.stringify(listing));
      writeFileSync(join(dir, "open.json"), JSON.stringify([{ number: 42 }]));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("exists: prints a GITHUB_OUTPUT line, true or false", () => {
      expect(script("prStacks.ts", ["exists", "--stacks", join(dir, "stacks.json"), "--stack", "pr-42"]).stdout).toBe("exists=true\n");
      expect(script("prStacks.ts", ["exists", "--stacks", join(dir, "stacks.json"), "--stack", "pr-8"]).stdout).toBe("exists=false\n");
    });

    it("closed: one stack name a line", () => {
      const result = scriptProcess("prStacks.ts", ["closed", "--stacks", join(dir, "stacks.json"), "--open", join(dir, "open.json")]);
      expect(result).toMatchObject({ status: 0, stdout: "pr-7\n" });
    });

    it.each([
      [["exists", "--stacks", "/nonexistent.json", "--stack", "pr-1"], /^--stacks: cannot read "\/nonexistent.json" as JSON \(ENOENT\)/],
      [["exists", "--stacks", "/nonexistent.json", "--stack", "dev"], /^--stack: "dev" is not a PR stack name; pass --stack pr-<number>/],
      [["destroy"], /^"destroy" is not a command; use exists --stacks FILE --stack pr-N, or closed --stacks FILE --open FILE/],
    ])("exits 2 naming the problem for %j", (args, message) => {
      const result = script("prStacks.ts", args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
    });
  });
});

/** A refreshed preview in which someone granted allAuthenticatedUsers by hand, removed alice, and deleted a member grant. */
const BINDING = "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding";
const MEMBER = "gcp:cloudrunv2/jobIamMember:JobIamMember";
const urn = (type: string, name: string) => `urn:pulumi:dev::private-cloud-run::private-cloud-run:index:PrivateService$private-cloud-run:index:InvokerAccess$${type}::${name}`;
const drifted = {
  steps: [
    { op: "same", urn: urn("gcp:cloudrunv2/service:Service", "hello-service") },
    {
      op: "update",
      urn: urn(BINDING, "hello-invokers"),
      oldState: { type: BINDING, inputs: { members: ["user:alice@example.com"] }, outputs: { members: ["allAuthenticatedUsers", "serviceAccount:smoke@p.iam.gserviceaccount.com"] } },
      newState: { type: BINDING, inputs: { members: ["serviceAccount:smoke@p.iam.gserviceaccount.com", "user:alice@example.com"] } },
      diffReasons: ["members"],
    },
    { op: "create", urn: urn(MEMBER, "nightly-user-bob"), newState: { type: MEMBER, inputs: { member: "user:bob@example.com", role: "roles/run.invoker" } } },
    {
      op: "update",
      urn: urn("gcp:cloudrunv2/service:Service", "hello"),
      oldState: { type: "gcp:cloudrunv2/service:Service", outputs: {} },
      newState: { type: "gcp:cloudrunv2/service:Service", inputs: {} },
      diffReasons: ["ingress", "invokerIamDisabled"],
    },
  ],
};

describe("driftReport", () => {
  it("names each drifted resource, and for IAM grants the members added out of band and the ones missing", () => {
    expect(findDrift(drifted).map(formatDrift)).toEqual([
      "ServiceIamBinding hello-invokers (update): granted out of band: allAuthenticatedUsers; missing: user:alice@example.com",
      "JobIamMember nightly-user-bob (create): missing: user:bob@example.com",
      "Service hello (update): differs in: ingress, invokerIamDisabled",
    ]);
  });

  it("reports no drift for a preview of unchanged resources", () => {
    expect(findDrift({ steps: [drifted.steps[0]] })).toEqual([]);
    expect(findDrift({})).toEqual([]);
    expect(renderReport([], "prod")).toBe("No drift in prod: the cloud matches the stack.\n");
  });

  it("refuses a document that is not a preview", () => {
    expect(() => findDrift({ steps: "none" })).toThrow(/^--preview: not the JSON `pulumi preview --json` prints/);
  });

  describe("as the drift workflow runs it", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "drift-"));
      writeFileSync(join(dir, "drifted.json"), JSON.stringify(drifted));
      writeFileSync(join(dir, "clean.json"), JSON.stringify({ steps: [drifted.steps[0]] }));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("exits 1 on drift, with the report and one GitHub error annotation per resource", () => {
      const result = scriptProcess("driftReport.ts", ["--preview", join(dir, "drifted.json"), "--stack", "dev", "--annotate"]);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain("Drift in dev: 3 resources differ from the stack after a refresh");
      expect(result.stdout).toContain("::error title=Drift in dev::ServiceIamBinding hello-invokers (update): granted out of band: allAuthenticatedUsers; missing: user:alice@example.com\n");
    });

    it("exits 0 without drift", () => {
      expect(script("driftReport.ts", ["--preview", join(dir, "clean.json"), "--stack", "dev"])).toMatchObject({ status: 0, stdout: "No drift in dev: the cloud matches the stack.\n" });
    });

    it("exits 2 naming the flag on an unreadable file", () => {
      const result = script("driftReport.ts", ["--preview", join(dir, "missing.json"), "--stack", "dev"]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^--preview: cannot read ".*missing.json" as JSON \(ENOENT\); write it with pulumi preview --refresh --json > FILE/);
    });
  });
});
