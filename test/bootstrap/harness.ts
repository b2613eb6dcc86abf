/**
 * A small mock harness for the bootstrap program (not offline/evaluate.ts,
 * which is the main program's): runs bootstrap/index.ts under
 * pulumi.runtime.setMocks with a given config and returns every custom
 * resource registered, with its inputs, plus the resolved stack outputs.
 * Calls are queued so evaluations never overlap in Pulumi's global state.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseBootstrapConfig } from "../../bootstrap/config";

export const BOOTSTRAP_DIR = join(__dirname, "..", "..", "bootstrap");
/** Project number the mocks give the example project. */
export const PROJECT_NUMBER = "123456789012";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Full URN: it carries the parent component types. */
  urn: string;
}

export interface BootstrapRun {
  resources: Registered[];
  outputs: Record<string, unknown>;
}

/** The bootstrap's example stacks: one per GCP project the main stacks deploy to. */
export const EXAMPLE_STACKS = ["dev", "prod"] as const;

/** The example config in bootstrap/Pulumi.<stack>.yaml, as Pulumi's runtime holds it (strings). */
export function exampleConfig(stack: (typeof EXAMPLE_STACKS)[number] = "dev"): Record<string, string> {
  const file = parse(readFileSync(join(BOOTSTRAP_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  // As Pulumi hands config to a program: strings as they are, anything else (a list, a boolean) as its JSON text.
  return Object.fromEntries(Object.entries(file.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** Outputs each mocked resource computes, as the real provider would. */
function computed(type: string, inputs: Record<string, unknown>): { id: string; state: Record<string, unknown> } {
  const s = (key: string) => String(inputs[key]);
  switch (type) {
    case "gcp:serviceaccount/account:Account": {
      const email = `${s("accountId")}@${s("project")}.iam.gserviceaccount.com`;
      const name = `projects/${s("project")}/serviceAccounts/${email}`;
      return { id: name, state: { email, name, member: `serviceAccount:${email}` } };
    }
    case "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
      const name = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${s("workloadIdentityPoolId")}`;
      return { id: name, state: { name } };
    }
    case "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
      const name = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${s("workloadIdentityPoolId")}/providers/${s("workloadIdentityPoolProviderId")}`;
      return { id: name, state: { name } };
    }
    case "gcp:kms/keyRing:KeyRing":
      return { id: `projects/${s("project")}/locations/${s("location")}/keyRings/${s("name")}`, state: {} };
    case "gcp:kms/cryptoKey:CryptoKey":
      return { id: `${s("keyRing")}/cryptoKeys/${s("name")}`, state: {} };
    case "gcp:storage/bucket:Bucket":
      return { id: s("name"), state: { url: `gs://${s("name")}` } };
    default:
      return { id: `${type.split(":").pop()}-id`, state: {} };
  }
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs the real bootstrap program under mocks with this config. */
export function runBootstrap(config: Record<string, string>, stack = "dev"): Promise<BootstrapRun> {
  const run = queue.then(() => runOnce(config, stack));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(config: Record<string, string>, stack: string): Promise<BootstrapRun> {
  // The program validates config as its first statement, before any resource.
  // Doing the same here, outside Pulumi's stack, turns a config error into a
  // plain rejection (inside runInPulumiStack it would also surface as an
  // unhandled rejection from the Stack resource and kill the test process).
  parseBootstrapConfig(config, stack);
  const recorded: Omit<Registered, "urn">[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.custom !== false) recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        const { id, state } = computed(args.type, args.inputs);
        return { id, state: { ...args.inputs, ...state } };
      },
      call: (args) => args.inputs,
    },
    "private-cloud-run-bootstrap",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../bootstrap/index") as () => Promise<Record<string, unknown>>;
  const outputs = (await pulumi.runtime.runInPulumiStack(program)) ?? {};
  await settle();
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, { urn: string }> };
  const urns = [...monitor.getRegisteredResources().keys()];
  const resources = recorded.map((r) => ({ ...r, urn: urns.find((urn) => urn.endsWith(`${r.type}::${r.name}`)) ?? "" }));
  return { resources, outputs: await unwrap(outputs) };
}

/** Waits for every outstanding registration (resources not in the outputs included). */
async function settle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
  for (let round = 0; round < 20; round++) {
    await waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function unwrap(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const resolved = await new Promise<unknown>((resolve) => pulumi.output(outputs).apply(resolve));
  return resolved as Record<string, unknown>;
}

/** Custom resources of a type (suffix match on the token, e.g. "projects/iAMMember:IAMMember"). */
export function ofType(run: BootstrapRun, token: string): Registered[] {
  return run.resources.filter((resource) => resource.type.endsWith(token));
}

/**
 * Calls the real program function (bootstrap/index.ts) under mocks with this
 * config, outside a root stack, and reports whether it rejected and how many
 * resources it had registered by then: proves validation comes first.
 */
export function programWith(config: Record<string, string>): Promise<{ error: unknown; registered: number }> {
  const run = queue.then(async () => {
    let registered = 0;
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered++;
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "private-cloud-run-bootstrap",
      "dev",
      false,
    );
    pulumi.runtime.setAllConfig(config);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../bootstrap/index") as () => Promise<Record<string, unknown>>;
    const error = await program().then(
      () => undefined,
      (e: unknown) => e,
    );
    await settle();
    return { error, registered };
  });
  queue = run.catch(() => undefined);
  return run;
}
