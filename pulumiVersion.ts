/**
 * The Pulumi CLI this program needs. `.pulumi-version` is the one place the
 * version is written: every `pulumi/actions` step installs it
 * (`pulumi-version-file`), the README names it as the minimum for local runs,
 * and the program refuses an older engine before registering anything. The
 * program sets the `replaceWith` resource option (invoker IAM follows a
 * replaced service or job), which engines before 3.207.0 do not know: without
 * this check an old CLI fails later with "does not support the ReplaceWith option".
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Path of the file that pins the CLI version. */
export const PULUMI_VERSION_FILE = join(__dirname, ".pulumi-version");

/** The pinned (and minimum) Pulumi CLI version, e.g. "3.270.0". */
export const PULUMI_CLI_VERSION = readFileSync(PULUMI_VERSION_FILE, "utf8").trim();

/** The engine is older than the pinned version (or too old to say). */
export class PulumiVersionError extends Error {
  constructor(minimum: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `This program needs the Pulumi CLI ${minimum} or newer (the version in .pulumi-version, which the workflows install): ` +
        `the engine running it refused the check (${reason}). Install that version with ` +
        `\`curl -fsSL https://get.pulumi.com | sh -s -- --version ${minimum}\` and run \`pulumi version\` to confirm.`,
    );
    this.name = "PulumiVersionError";
  }
}

/**
 * Asks the engine to confirm it is at least `minimum`; rejects with
 * PulumiVersionError otherwise. Under Pulumi's mocks (tests, `npm start`)
 * there is no engine and the check passes.
 */
export async function requirePulumiCli(
  minimum: string = PULUMI_CLI_VERSION,
  check: (range: string) => Promise<void> = pulumi.runtime.requirePulumiVersion,
): Promise<void> {
  try {
    await check(`>=${minimum}`);
  } catch (error) {
    throw new PulumiVersionError(minimum, error);
  }
}
