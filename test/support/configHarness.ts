/**
 * Helpers for the config refusal tests: run the real program on a config and
 * see what it registers, and catch the ConfigError a config is refused with.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../../config";
import { show, type StackConfig } from "../../contract";
import { createMocks } from "../../offline/mocks";

/**
 * Runs the real program (index.ts) on a config under mocks that only count
 * registrations. Called directly, not inside runInPulumiStack, so the root
 * stack resource is not registered either: whatever is counted, the program did.
 */
export async function runProgram(config: StackConfig): Promise<{ error: unknown; registered: string[] }> {
  const registered: string[] = [];
  const mocks = createMocks({ rootDir: path.resolve(__dirname, "../.."), project: "my-gcp-project", region: "asia-east1", stack: "bad" });
  const counting: pulumi.runtime.Mocks = {
    newResource: (args) => {
      registered.push(args.type);
      return mocks.newResource(args);
    },
    call: (args) => mocks.call(args),
  };
  await pulumi.runtime.setMocks(counting, "private-cloud-run", "bad", false);
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../index") as () => Promise<unknown>;
  let error: unknown;
  try {
    await program();
  } catch (caught) {
    error = caught;
  }
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs(); // eslint-disable-line @typescript-eslint/no-require-imports
  return { error, registered };
}

export function captureConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

/**
 * A refused config, end to end: the config layer names exactly one problem at `path`, with
 * the value and a message matching `message`, and the error's text shows both; the program
 * run on that config throws the ConfigError before it registers anything.
 */
export async function expectRefusedBeforeRegistering(config: StackConfig, path: string, value: unknown, message: RegExp | string): Promise<void> {
  const error = captureConfigError(() => parseStackConfig(config));
  const atPath = error.problems.filter((problem) => problem.path === path);
  expect(atPath).toHaveLength(1);
  expect(atPath[0].value).toEqual(value);
  expect(atPath[0].message).toMatch(message);
  expect(error.message).toContain(`${path}: ${show(value, { missing: "(missing)", max: 120 })}`);
  const run = await runProgram(config);
  expect(run.error).toBeInstanceOf(ConfigError);
  expect(run.registered).toEqual([]);
}

/** The project and region the config tables plan in. */
export const TABLE_BASE: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };

/** Two services, web (ingress all) then api (called by web); `web`, `api` and `extra` extend them. */
export function webAndApi(web: Record<string, unknown>, api: Record<string, unknown> = {}, extra: StackConfig = {}): StackConfig {
  return {
    ...TABLE_BASE,
    "private-cloud-run:services": [
      { name: "web", source: "./app", invokers: ["user:a@example.com"], ...web },
      { name: "api", source: "./app", invokers: ["workload:web"], ...api },
    ],
    ...extra,
  };
}
