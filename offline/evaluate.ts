/**
 * Runs the REAL program (index.ts) under Pulumi's mocks, offline: no Pulumi
 * CLI, no GCP, no Docker. Used by the whole-program tests, the policy pack's
 * tests and `npm start` (plan / --diff / --graph).
 *
 * Repeated evaluation: index.ts exports the program as a function, so it is
 * loaded once and called once per evaluation; `setMocks` resets Pulumi's
 * runtime state (monitor, root stack, options) before each run, and calls are
 * queued so two evaluations never share that global state.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../config";
import { checkBuildContexts } from "../config/buildContexts";
import { PROJECT_DIR } from "../config/stackFile";
import { NAMESPACE, type Evaluation, type RegisteredResource, type StackConfig } from "../contract";
import { containsSecret, createMocks, unwrapSecrets } from "./mocks";

/** Project name, as in Pulumi.yaml. */
export const PROJECT_NAME = NAMESPACE;

/** Options of one evaluation. */
export interface EvaluateOptions {
  stack: string;
  config: StackConfig;
  /** @default "private-cloud-run" */
  project?: string;
  /**
   * Directory relative `source` paths are resolved against.
   * @default PROJECT_DIR
   */
  rootDir?: string;
  /** Wraps the default deterministic mocks, e.g. to simulate a provider failure in a test. */
  wrapMocks?: (mocks: pulumi.runtime.Mocks) => pulumi.runtime.Mocks;
  /**
   * Runs this instead of index.ts, given index.ts's program: a test's own
   * index.ts that adds resources beside the components, as a user might.
   */
  program?: (real: Program) => Promise<Record<string, unknown>>;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the real program under mocks with that config; resolves every
 * registered resource and the stack outputs. Sequential: concurrent calls are
 * queued. Invalid config rejects with ConfigError before any resource is registered.
 */
export function evaluateStack(opts: EvaluateOptions): Promise<Evaluation> {
  const run = queue.then(() => evaluateOnce(opts));
  queue = run.catch(() => undefined);
  return run;
}

/** A Pulumi program: index.ts exports one. */
export type Program = () => Promise<Record<string, unknown>>;

async function evaluateOnce(opts: EvaluateOptions): Promise<Evaluation> {
  const project = opts.project ?? PROJECT_NAME;
  const rootDir = opts.rootDir ?? PROJECT_DIR;
  // Validate first: a bad config must not register even the root stack.
  const settings = parseStackConfig(opts.config);
  checkBuildContexts(settings, rootDir);
  const recorder = new Recorder();
  const mocks = createMocks({ rootDir, project: settings.project, region: settings.region, stack: opts.stack });
  await pulumi.runtime.setMocks(opts.wrapMocks ? opts.wrapMocks(mocks) : mocks, project, opts.stack, false);
  recorder.attach(pulumi.runtime.getMonitor());
  pulumi.runtime.setAllConfig(toRuntimeConfig(opts.config));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require("../index") as Program;
  const program: Program = opts.program ? () => opts.program!(real) : real;
  // A failing registration surfaces as an unhandled rejection from inside
  // Pulumi's runtime; catch it for the length of this run and reject with it
  // instead of letting it end the process.
  const failures: unknown[] = [];
  const onUnhandled = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(program).catch((error: unknown) => {
      failures.push(error);
      return undefined;
    });
    if (failures.length === 0) await recorder.settled();
    await new Promise((resolve) => setImmediate(resolve));
    const failure = [...recorder.failures, ...failures][0];
    if (failure !== undefined) throw failure;
    return { project, stack: opts.stack, resources: recorder.resources, outputs: unwrapSecrets(outputs ?? {}) as Record<string, unknown> };
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}

/** Pulumi's runtime holds config values as strings; structured values as JSON, like the CLI passes them. */
function toRuntimeConfig(config: StackConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The subset of the mock monitor's gRPC surface the recorder wraps. */
interface MonitorLike {
  registerResource(req: RegisterRequest, callback: (err: unknown, resp: unknown) => void): unknown;
  registerResourceOutputs(req: RegisterOutputsRequest, callback: (err: unknown, resp: unknown) => void): unknown;
}
interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
}

/**
 * Records every registration as the engine sees it, in order, and each component's
 * registered outputs (what it publishes for the plan), and knows when all have finished.
 */
class Recorder {
  readonly resources: RegisteredResource[] = [];
  /** Registrations the mock engine refused (a real engine would fail the update). */
  readonly failures: unknown[] = [];
  private readonly pending = new Set<Promise<void>>();

  attach(monitor: unknown): void {
    const target = monitor as MonitorLike;
    const register = target.registerResource.bind(target);
    target.registerResource = (req, callback) => {
      const record = this.record(req);
      const finish = this.track();
      return register(req, (err, resp) => {
        if (err) this.failures.push(err);
        else if (resp) record.urn = (resp as { getUrn(): string }).getUrn();
        finish();
        callback(err, resp);
      });
    };
    const registerOutputs = target.registerResourceOutputs.bind(target);
    target.registerResourceOutputs = (req, callback) => {
      const finish = this.track();
      return registerOutputs(req, (err, resp) => {
        if (err) this.failures.push(err);
        else this.recordOutputs(req);
        finish();
        callback(err, resp);
      });
    };
  }

  /** Counts one RPC as pending until the returned function is called. */
  private track(): () => void {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.pending.add(done);
    return () => {
      this.pending.delete(done);
      finish();
    };
  }

  /** Attaches a component's registered outputs to its record (the engine has given it its URN by now). */
  private recordOutputs(req: RegisterOutputsRequest): void {
    const record = this.resources.find((resource) => resource.urn === req.getUrn());
    const outputs = pulumi.runtime.deserializeProperties(req.getOutputs() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]);
    if (record) record.outputs = unwrapSecrets(outputs) as Record<string, unknown>;
  }

  private record(req: RegisterRequest): RegisteredResource {
    const raw = pulumi.runtime.deserializeProperties(req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]);
    const parentUrn = req.getParent();
    const record: RegisteredResource = {
      type: req.getType(),
      name: req.getName(),
      parent: parentUrn ? parentUrn.slice(parentUrn.lastIndexOf("::") + 2) : null,
      urn: "",
      inputs: unwrapSecrets(raw) as Record<string, unknown>,
      secretInputs: Object.keys(raw).filter((key) => containsSecret(raw[key])),
      component: !req.getCustom(),
      dependencies: req.getDependenciesList(),
    };
    this.resources.push(record);
    return record;
  }

  /** Waits until Pulumi's RPC queue and every registration have drained. */
  async settled(): Promise<void> {
    const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }; // eslint-disable-line @typescript-eslint/no-require-imports
    for (let round = 0; round < 100 && (this.pending.size > 0 || round === 0); round++) {
      await waitForRPCs();
      await Promise.all([...this.pending]);
    }
  }
}
