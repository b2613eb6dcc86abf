/**
 * The Pulumi CLI pin: `.pulumi-version` is the one place the version is
 * written, the program refuses an older engine before registering anything,
 * and the README names the same version as the minimum for local runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadStackConfig } from "../../config/stackFile";
import { PULUMI_CLI_VERSION, PulumiVersionError, requirePulumiCli } from "../../pulumiVersion";

const REPO_ROOT = join(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

/** Calls the real program (index.ts) under mocks, outside a root stack; counts what it registered. */
async function runProgram(): Promise<{ error: unknown; registered: number }> {
  let registered = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered++;
        return { id: `${args.name}-id`, state: { ...args.inputs, digest: "sha256:00", email: "x@example-project.iam.gserviceaccount.com", uri: "https://x.a.run.app" } };
      },
      call: (args) => ({ ...args.inputs, accessToken: "token" }),
    },
    "private-cloud-run",
    "dev",
    false,
  );
  const { config } = loadStackConfig("dev");
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../index") as () => Promise<unknown>;
  const error = await program().then(
    () => undefined,
    (e: unknown) => e,
  );
  // Registrations finish after the program returns its outputs: wait for them.
  for (let round = 0; round < 20; round++) {
    await waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { error, registered };
}

describe("the pinned Pulumi CLI", () => {
  afterEach(() => jest.restoreAllMocks());

  it("is one exact version, new enough for the replaceWith option the program uses (engine 3.207.0)", () => {
    expect(PULUMI_CLI_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const [major, minor] = PULUMI_CLI_VERSION.split(".").map(Number);
    expect(major === 3 && minor >= 207).toBe(true);
    expect(readFileSync(join(REPO_ROOT, ".pulumi-version"), "utf8")).toBe(`${PULUMI_CLI_VERSION}\n`);
  });

  it("is asked of the engine as a minimum", async () => {
    const check = jest.fn(async () => undefined);
    await requirePulumiCli("3.270.0", check);
    expect(check).toHaveBeenCalledWith(">=3.270.0");
  });

  it("turns the engine's refusal into the version to install", async () => {
    const check = async () => {
      throw new Error('Pulumi CLI version 3.150.0 does not satisfy the version range ">=3.270.0"');
    };
    const error = await requirePulumiCli("3.270.0", check).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PulumiVersionError);
    expect((error as Error).message).toBe(
      "This program needs the Pulumi CLI 3.270.0 or newer (the version in .pulumi-version, which the workflows install): " +
        'the engine running it refused the check (Pulumi CLI version 3.150.0 does not satisfy the version range ">=3.270.0"). ' +
        "Install that version with `curl -fsSL https://get.pulumi.com | sh -s -- --version 3.270.0` and run `pulumi version` to confirm.",
    );
  });

  it("stops the program before it registers anything when the engine is older", async () => {
    const spy = jest.spyOn(pulumi.runtime, "requirePulumiVersion").mockRejectedValue(new Error("The installed version of the CLI does not support the `RequirePulumiVersion` RPC."));
    const { error, registered } = await runProgram();
    expect(spy).toHaveBeenCalledWith(`>=${PULUMI_CLI_VERSION}`);
    expect(error).toBeInstanceOf(PulumiVersionError);
    expect(registered).toBe(0);
  });

  it("runs the program when the engine is new enough (the check above can fail)", async () => {
    jest.spyOn(pulumi.runtime, "requirePulumiVersion").mockResolvedValue(undefined);
    const { error, registered } = await runProgram();
    expect(error).toBeUndefined();
    expect(registered).toBeGreaterThan(10);
  });

  it("is named in the README as the minimum for local runs", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toContain(`Pulumi CLI ${PULUMI_CLI_VERSION} or newer`);
  });
});
