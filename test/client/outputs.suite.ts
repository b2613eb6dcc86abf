/** Stack outputs → smoke targets: the file path, the --stack path (fake pulumi on PATH), and bad input. */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { StackOutputs } from "../../contract";
import { buildJobSmokeTest, buildServiceSmokeTest } from "../../components/smokeTestBuilders";
import { readOutputsFile, readStackOutputs, targetsFromOutputs } from "../../client/outputs";

/** A full StackOutputs value, as the stack exports it (descriptors from the stack's own builders). */
function sampleOutputs(): StackOutputs {
  const common = { audiences: [], serviceAccountEmail: "hello-run@p.iam.gserviceaccount.com", image: "asia-east1-docker.pkg.dev/p/r/i@sha256:abc", invokers: ["user:alice@example.com"], invokerMode: "authoritative" as const, invokerRole: "roles/run.invoker" };
  return {
    project: "p",
    region: "asia-east1",
    services: {
      hello: {
        ...common,
        url: "https://hello-abc-de.a.run.app",
        ingress: "all",
        smokeTest: buildServiceSmokeTest({ name: "hello", url: "https://hello-abc-de.a.run.app", customAudiences: [], path: "/health/", invokers: common.invokers, ingress: "all" }),
      },
    },
    jobs: {
      nightly: {
        ...common,
        smokeTest: buildJobSmokeTest({ name: "nightly", project: "p", region: "asia-east1" }),
      },
    },
  };
}

const expectedTargets = {
  services: [{ name: "hello", url: "https://hello-abc-de.a.run.app", audience: "https://hello-abc-de.a.run.app", path: "/health/", ingress: "all" }],
  jobs: [{ name: "nightly", project: "p", region: "asia-east1", run: false }],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pcr-outputs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("every service and job of the outputs becomes a target", () => {
  expect(targetsFromOutputs(sampleOutputs())).toEqual(expectedTargets);
});

test("the stack's own descriptor builders produce what the smoke test reads (custom audience first)", () => {
  const url = "https://api-abc-de.a.run.app";
  const outputs = {
    services: { api: { smokeTest: buildServiceSmokeTest({ name: "api", url, customAudiences: ["https://api.example.com"], path: "/health/", invokers: ["user:alice@example.com"], ingress: "internal" }) } },
    jobs: { nightly: { smokeTest: buildJobSmokeTest({ name: "nightly", project: "p", region: "asia-east1", run: true }) } },
  };
  // As printed by pulumi stack output --json and read back.
  expect(targetsFromOutputs(JSON.parse(JSON.stringify(outputs)))).toEqual({
    services: [{ name: "api", url, audience: "https://api.example.com", path: "/health/", ingress: "internal" }],
    jobs: [{ name: "nightly", project: "p", region: "asia-east1", run: true }],
  });
});

test("a stack with only services needs no jobs key", () => {
  const { services } = sampleOutputs();
  expect(targetsFromOutputs({ services }).jobs).toEqual([]);
});

test("problems are reported with their key path", () => {
  const outputs = sampleOutputs() as unknown as { services: { hello: { smokeTest: Record<string, unknown> } } };
  outputs.services.hello.smokeTest.url = "not a url";
  outputs.services.hello.smokeTest.path = "health";
  expect(() => targetsFromOutputs(outputs, "--outputs x.json")).toThrow(/--outputs x.json do not look like this stack's outputs:\n {2}services\.hello\.smokeTest\.url: .*\n {2}services\.hello\.smokeTest\.path: /);
});

test("empty outputs say to deploy first", () => {
  expect(() => targetsFromOutputs({ services: {}, jobs: {} })).toThrow(/list no services and no jobs[\s\S]*pulumi up/);
});

test("--outputs FILE reads the JSON file; a missing or non-JSON file is a clear error", async () => {
  const file = path.join(dir, "outputs.json");
  await writeFile(file, JSON.stringify(sampleOutputs()));
  await expect(readOutputsFile(file)).resolves.toEqual(expectedTargets);
  await expect(readOutputsFile(path.join(dir, "missing.json"))).rejects.toThrow(/--outputs: cannot read ".*missing.json"[\s\S]*pulumi stack output --json > outputs.json/);
  const bad = path.join(dir, "bad.json");
  await writeFile(bad, "Current stack outputs (2):");
  await expect(readOutputsFile(bad)).rejects.toThrow(/not JSON/);
});

describe("--stack NAME runs pulumi stack output --json", () => {
  let fakePulumi: string;
  beforeAll(async () => {
    // A fake `pulumi` that records its arguments and prints the outputs, or fails for stack "broken".
    fakePulumi = path.join(dir, "pulumi");
    await writeFile(path.join(dir, "outputs-for-fake.json"), JSON.stringify(sampleOutputs()));
    await writeFile(
      fakePulumi,
      `#!/bin/sh\necho "$@" > "${dir}/args.txt"\nif [ "$5" = "broken" ]; then echo "error: no stack named 'broken' found" >&2; exit 255; fi\ncat "${dir}/outputs-for-fake.json"\n`,
    );
    await chmod(fakePulumi, 0o755);
  });

  test("with the stack name, and parses what it prints", async () => {
    await expect(readStackOutputs("org/private-cloud-run/dev", fakePulumi)).resolves.toEqual(expectedTargets);
    const { readFile } = await import("node:fs/promises");
    expect((await readFile(path.join(dir, "args.txt"), "utf8")).trim()).toBe("stack output --json --stack org/private-cloud-run/dev");
  });

  test("a failing pulumi is reported with its stderr and the next step", async () => {
    await expect(readStackOutputs("broken", fakePulumi)).rejects.toThrow(/no stack named 'broken' found[\s\S]*pulumi stack ls/);
  });

  test("no pulumi on PATH says how to get it or use --outputs", async () => {
    await expect(readStackOutputs("dev", path.join(dir, "no-such-pulumi"))).rejects.toThrow(/not on PATH[\s\S]*--outputs FILE/);
  });

  test("a stack name with shell characters is refused before running anything", async () => {
    await expect(readStackOutputs("dev; rm -rf /", fakePulumi)).rejects.toThrow(/--stack: "dev; rm -rf \/" is not a stack name/);
  });
});
