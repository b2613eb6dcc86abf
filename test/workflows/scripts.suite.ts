/**
 * The helper scripts the workflows run: the per-PR stack config generator and
 * the PR comment renderer (pure functions, their CLIs in-process, and one child
 * process each as the workflow runs it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { parse } from "yaml";
import { main as prStackConfigMain, parsePrNumber, prStackConfig, prStackName, renderStackFile, type StackFile } from "../../.github/scripts/prStackConfig";
import { main as prStackCommentMain, renderPrStackComment } from "../../.github/scripts/prStackComment";
import { buildJobSmokeTest, buildServiceSmokeTest } from "../../components/smokeTestBuilders";
import type { StackOutputs } from "../../contract";
import { runScriptInProcess } from "../support/scriptInProcess";
import { TSX_NODE_ARGS } from "../support/tsxProcess";
import { REPO_ROOT } from "./workflowModel";

const SMOKE_SA = "serviceAccount:pulumi-smoke@example-project.iam.gserviceaccount.com";

function devFile(): StackFile {
  return {
    secretsprovider: "gcpkms://projects/example-project/locations/asia-east1/keyRings/pulumi/cryptoKeys/state",
    encryptedkey: "Y2lwaGVydGV4dA==",
    config: {
      "gcp:project": "example-project",
      "gcp:region": "asia-east1",
      "private-cloud-run:principals": { team: ["user:alice@example.com"] },
      "private-cloud-run:services": [
        { name: "hello", source: "./app", invokers: ["team", SMOKE_SA], smokePath: "/health/", deletionProtection: true },
      ],
      "private-cloud-run:jobs": [{ name: "nightly", source: "./app", command: ["node", "dist/job.js"], invokers: ["team"] }],
    },
  };
}

describe("prStackConfig", () => {
  it("suffixes every workload name with -pr<N> and turns deletion protection off", () => {
    const config = prStackConfig(devFile(), { pr: 42 }).config ?? {};
    expect(config["private-cloud-run:services"]).toEqual([
      expect.objectContaining({ name: "hello-pr42", deletionProtection: false, source: "./app", smokePath: "/health/" }),
    ]);
    expect(config["private-cloud-run:jobs"]).toEqual([
      expect.objectContaining({ name: "nightly-pr42", deletionProtection: false, command: ["node", "dist/job.js"] }),
    ]);
  });

  it("pushes to dev's repository under -pr<N> image names, creating none and dropping dev's cleanup settings; turns deletion protection off", () => {
    const dev = { ...devFile(), config: { ...devFile().config, "private-cloud-run:repository": "images", "private-cloud-run:keepRecentVersions": 5, "private-cloud-run:cleanupDryRun": true } };
    const config = prStackConfig(dev, { pr: 42 }).config ?? {};
    expect(config["private-cloud-run:repository"]).toBe("images");
    expect(config["private-cloud-run:createRepository"]).toBe(false);
    expect(config["private-cloud-run:imageNameSuffix"]).toBe("-pr42");
    expect(Object.keys(config)).not.toContain("private-cloud-run:keepRecentVersions");
    expect(Object.keys(config)).not.toContain("private-cloud-run:cleanupDryRun");
    expect(config["private-cloud-run:deletionProtection"]).toBe(false);
  });

  it("in a sandbox project (--project), creates its own repository <repository>-pr<N> there", () => {
    const config = prStackConfig(devFile(), { pr: 42, project: "example-sandbox" }).config ?? {};
    expect(config["private-cloud-run:repository"]).toBe("private-cloud-run-pr42");
    expect(config["private-cloud-run:createRepository"]).toBeUndefined();
    expect(config["private-cloud-run:imageNameSuffix"]).toBeUndefined();
  });

  it("adds the smoke account to every workload's invokers exactly once", () => {
    const config = prStackConfig(devFile(), { pr: 7, invoker: SMOKE_SA }).config ?? {};
    const [service] = config["private-cloud-run:services"] as { invokers: string[] }[];
    const [job] = config["private-cloud-run:jobs"] as { invokers: string[] }[];
    expect(service.invokers).toEqual(["team", SMOKE_SA]);
    expect(job.invokers).toEqual(["team", SMOKE_SA]);
  });

  it("keeps dev's project, region and principals unless a project is given", () => {
    const same = prStackConfig(devFile(), { pr: 1 });
    expect(same.config?.["gcp:project"]).toBe("example-project");
    expect(same.config?.["private-cloud-run:principals"]).toEqual({ team: ["user:alice@example.com"] });
    expect(prStackConfig(devFile(), { pr: 1, project: "example-project-sandbox" }).config?.["gcp:project"]).toBe(
      "example-project-sandbox",
    );
  });

  it("carries none of dev's secrets settings: the PR stack's provider comes from its creation, then from its state", () => {
    const file = prStackConfig({ ...devFile(), encryptionsalt: "v1:abc" }, { pr: 1 });
    for (const key of ["secretsprovider", "encryptedkey", "encryptionsalt"]) expect(Object.keys(file)).not.toContain(key);
    // Written and read back: still none (the workflow regenerates the file on every run).
    expect(Object.keys(parse(renderStackFile(file, 1)) as object)).toEqual(["config"]);
  });

  it("refuses dev's secure: values, naming the keys: they are encrypted with dev's data key", () => {
    const dev = devFile();
    dev.config = { ...dev.config, "private-cloud-run:apiKey": { secure: "v1:c2VjcmV0" }, "private-cloud-run:nested": { a: [{ secure: "v1:eA==" }] } };
    expect(() => prStackConfig(dev, { pr: 1 })).toThrow(
      /^Pulumi\.dev\.yaml: private-cloud-run:apiKey, private-cloud-run:nested hold a secure: value, encrypted with dev's own data key, which a PR stack cannot decrypt; keep secrets out of the stack config/,
    );
    // A plain object that merely has a "secure" key beside others is not a secret.
    dev.config = { ...devFile().config, "private-cloud-run:labels": { secure: "yes", tier: "web" } };
    expect(() => prStackConfig(dev, { pr: 1 })).not.toThrow();
  });

  it("does not modify dev's config", () => {
    const dev = devFile();
    prStackConfig(dev, { pr: 3, invoker: "user:bob@example.com", project: "other" });
    expect(dev).toEqual(devFile());
  });

  it("rejects a workload list that is not a list, naming the key", () => {
    expect(() => prStackConfig({ config: { "private-cloud-run:services": { name: "x" } } }, { pr: 1 })).toThrow(
      /config\.private-cloud-run:services: expected a list of workloads/,
    );
  });

  it.each([["0"], ["-1"], ["abc"], ["4.2"], [""], [undefined]])("rejects --pr %p with the fix", (raw) => {
    expect(() => parsePrNumber(raw)).toThrow(/--pr: .* is not a pull-request number; pass a positive integer/);
  });

  it("names the stack pr-<N> and says in the file that it is generated", () => {
    expect(prStackName(12)).toBe("pr-12");
    const text = renderStackFile(prStackConfig(devFile(), { pr: 12 }), 12);
    expect(text.split("\n")[0]).toMatch(/^# Generated by .*prStackConfig\.ts for pr-12/);
    expect(parse(text)).toEqual(prStackConfig(devFile(), { pr: 12 }));
  });

  describe("as the workflow runs it", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "pr-stack-config-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** As a child process, in the workflow's working directory. */
    function runProcess(args: string[]) {
      return spawnSync(process.execPath, [...TSX_NODE_ARGS, join(REPO_ROOT, ".github/scripts/prStackConfig.ts"), ...args], {
        cwd: dir,
        encoding: "utf8",
      });
    }
    const run = (args: string[]) => runScriptInProcess(prStackConfigMain, args, dir);

    it("writes Pulumi.pr-N.yaml; empty --project and a bare serviceAccount: prefix mean 'not set'", () => {
      writeFileSync(join(dir, "Pulumi.dev.yaml"), renderStackFile(devFile(), 0));
      const result = runProcess(["--pr", "5", "--from", "Pulumi.dev.yaml", "--out", "Pulumi.pr-5.yaml", "--invoker", "serviceAccount:", "--project", ""]);
      expect(result.status).toBe(0);
      const written = parse(readFileSync(join(dir, "Pulumi.pr-5.yaml"), "utf8")) as StackFile;
      expect(written).toEqual(prStackConfig(devFile(), { pr: 5 }));
    });

    it.each([
      [["--from", "Pulumi.missing.yaml"], /^--from: cannot read "Pulumi.missing.yaml" \(ENOENT\); pass dev's stack file, e.g. --from Pulumi.dev.yaml/],
      [["--from", "Pulumi.dev.yaml", "--invoker", "allUsers"], /^--invoker: "allUsers" would make every PR stack's workloads public; pass the smoke account/],
    ])("exits 2 naming the flag for %j, writing nothing", (args, message) => {
      writeFileSync(join(dir, "Pulumi.dev.yaml"), renderStackFile(devFile(), 0));
      const result = run(["--pr", "6", "--out", "never.yaml", ...args]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(() => readFileSync(join(dir, "never.yaml"))).toThrow();
    });

    it("exits 2 with the message on a bad --pr, writing nothing", () => {
      const result = run(["--pr", "x", "--from", "Pulumi.dev.yaml", "--out", "never.yaml"]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--pr: "x" is not a pull-request number');
      expect(() => readFileSync(join(dir, "never.yaml"))).toThrow();
    });
  });
});

describe("prStackComment", () => {
  const outputs: StackOutputs = {
    project: "example-project",
    region: "asia-east1",
    services: {
      "hello-pr9": {
        url: "https://hello-pr9-abc123-de.a.run.app",
        ingress: "all",
        audiences: ["https://hello-pr9-abc123-de.a.run.app"],
        serviceAccountEmail: "hello-pr9@example-project.iam.gserviceaccount.com",
        image: "asia-east1-docker.pkg.dev/example-project/apps/app@sha256:00",
        invokers: [SMOKE_SA, "user:alice@example.com"],
        invokerMode: "authoritative",
        invokerRole: "roles/run.invoker",
        smokeTest: buildServiceSmokeTest({ name: "hello-pr9", url: "https://hello-pr9-abc123-de.a.run.app", customAudiences: [], path: "/health/", invokers: [SMOKE_SA, "user:alice@example.com"], ingress: "all" }),
      },
    },
    jobs: {
      "nightly-pr9": {
        audiences: [],
        serviceAccountEmail: "nightly-pr9@example-project.iam.gserviceaccount.com",
        image: "asia-east1-docker.pkg.dev/example-project/apps/app@sha256:00",
        invokers: ["user:alice@example.com"],
        invokerMode: "authoritative",
        invokerRole: "roles/run.invoker",
        smokeTest: buildJobSmokeTest({ name: "nightly-pr9", project: "example-project", region: "asia-east1" }),
      },
    },
  };

  it("lists each service's URL with its invokers, and each job with its invokers and command", () => {
    const text = renderPrStackComment(outputs, "pr-9", "success");
    expect(text).toContain("| `hello-pr9` | https://hello-pr9-abc123-de.a.run.app | `" + SMOKE_SA + "`<br>`user:alice@example.com` |");
    expect(text).toContain("| `nightly-pr9` | `user:alice@example.com` | `gcloud run jobs execute nightly-pr9 --region asia-east1 --project example-project --wait` |");
    expect(text).toContain(outputs.services["hello-pr9"].smokeTest.commands.user);
    expect(text).toMatch(/Stack `pr-9` is up/);
    expect(text).toContain("smoke test passed");
  });

  it("says when the smoke test failed", () => {
    expect(renderPrStackComment(outputs, "pr-9", "failure")).toContain("smoke test failed");
  });

  it("renders from the CLI with a file from `pulumi stack output --json`", () => {
    const dir = mkdtempSync(join(tmpdir(), "pr-stack-comment-"));
    try {
      writeFileSync(join(dir, "outputs.json"), JSON.stringify(outputs));
      const text = execFileSync(
        process.execPath,
        [...TSX_NODE_ARGS, join(REPO_ROOT, ".github/scripts/prStackComment.ts"), "--outputs", join(dir, "outputs.json"), "--stack", "pr-9", "--smoke", "success"],
        { encoding: "utf8" },
      );
      expect(text).toBe(renderPrStackComment(outputs, "pr-9", "success"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("prStackComment's command line: bad input exits 2 naming the flag, and nothing is printed", () => {
  const run = (args: string[]) => runScriptInProcess(prStackCommentMain, args);

  it.each([
    // Without --smoke it used to default to "success" and claim a pass nobody reported.
    [["--outputs", "/nonexistent/outputs.json", "--stack", "pr-9"], /^--smoke: "" is not a step outcome; pass one of success, failure, cancelled, skipped/],
    [["--outputs", "/nonexistent/outputs.json", "--stack", "pr-9", "--smoke", "toString"], /^--smoke: "toString" is not a step outcome/],
    [["--outputs", "/nonexistent/outputs.json", "--stack", "pr-9", "--smoke", "success"], /^--outputs: cannot read "\/nonexistent\/outputs.json" as JSON \(ENOENT\); write it with pulumi stack output --json/],
  ])("%j", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });
});

describe("the scripts type-check", () => {
  it("as part of the root project, which npm run typecheck checks (its **/*.ts does not descend into dot-directories, so it names them)", () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(REPO_ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
    const checked = new Set(config?.fileNames);
    const scripts = readdirSync(join(REPO_ROOT, ".github/scripts")).filter((file) => file.endsWith(".ts"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) expect({ file, checked: checked.has(join(REPO_ROOT, ".github/scripts", file)) }).toEqual({ file, checked: true });
    const packageScripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(packageScripts.typecheck).toContain("typescript7/bin/tsc --noEmit -p tsconfig.json");
  });
});
