/**
 * Starts policy/ the way the Pulumi CLI does (node + @pulumi/pulumi's
 * run-policy-pack, cwd = the pack directory, TypeScript through ts-node) and
 * talks to it over the analyzer gRPC protocol the engine uses. No Pulumi CLI
 * needed: this is the engine's side of `pulumi preview --policy-pack policy`.
 * One difference: ts-node transpiles only (transpileOnlyPack.js), since
 * `npm run typecheck` type-checks the pack already.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeRequest,
  AnalyzeResponse,
  AnalyzerInfo,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb";

export const POLICY_DIR = path.resolve(__dirname, "../../policy");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });
const TRANSPILE_ONLY = path.join(__dirname, "transpileOnlyPack.js");

/** A resource as the engine sends it. */
export interface EngineResource {
  type: string;
  name: string;
  stack: string;
  /** Inputs on the wire: plain JSON, unknowns as the engine's sentinel strings. */
  properties: Record<string, unknown>;
  /** The type of its parent component, which the engine writes into the URN (`parent$type`); none at the top level. */
  parentType?: string;
  /** The URN itself, when the resource came from a real evaluation (it carries the parent). */
  urn?: string;
}

/** One diagnostic the pack returned, decoded. */
export interface Diagnostic {
  policy: string;
  urn: string;
  message: string;
  enforcementLevel: "advisory" | "mandatory" | "other";
}

/** What Analyze / AnalyzeStack returned. */
export interface AnalysisResult {
  diagnostics: Diagnostic[];
  notApplicable: { policy: string; reason: string }[];
}

export function urnOf(resource: Pick<EngineResource, "type" | "name" | "stack" | "parentType" | "urn">): string {
  if (resource.urn) return resource.urn;
  const qualifiedType = resource.parentType ? `${resource.parentType}$${resource.type}` : resource.type;
  return `urn:pulumi:${resource.stack}::private-cloud-run::${qualifiedType}::${resource.name}`;
}

function level(value: number): Diagnostic["enforcementLevel"] {
  if (value === EnforcementLevel.MANDATORY) return "mandatory";
  if (value === EnforcementLevel.ADVISORY) return "advisory";
  return "other";
}

function decode(response: AnalyzeResponse): AnalysisResult {
  return {
    diagnostics: response.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      urn: d.getUrn(),
      message: d.getMessage(),
      enforcementLevel: level(d.getEnforcementlevel()),
    })),
    notApplicable: response.getNotApplicableList().map((n) => ({ policy: n.getPolicyName(), reason: n.getReason() })),
  };
}

/** A running policy pack process and a gRPC client connected to it. */
export class PolicyPackProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerClient,
    readonly stderr: () => string,
  ) {}

  /**
   * Spawns the pack and waits (bounded by `timeoutMs`) for the port it prints.
   * The first argument is the engine address, which the runner drops unused.
   */
  static async start(timeoutMs = 60_000): Promise<PolicyPackProcess> {
    const child = spawn(process.execPath, ["--require", TRANSPILE_ONLY, RUN_POLICY_PACK, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`policy pack printed no port within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^(\d+)\s*$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited with ${code} before serving; stderr:\n${stderr}`));
      });
    }).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PolicyPackProcess(child, client, () => stderr);
  }

  info(): Promise<AnalyzerInfo> {
    return new Promise((resolve, reject) => this.client.getAnalyzerInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))));
  }

  /** The engine's per-resource call, made for every resource during preview and update. */
  analyze(resource: EngineResource): Promise<AnalysisResult> {
    const request = new AnalyzeRequest()
      .setType(resource.type)
      .setName(resource.name)
      .setUrn(urnOf(resource))
      .setProperties(Struct.fromJavaScript(resource.properties as Record<string, never>))
      .setOptions(new AnalyzerResourceOptions());
    return new Promise((resolve, reject) => this.client.analyze(request, (err, res) => (err ? reject(err) : resolve(decode(res)))));
  }

  /** The engine's whole-stack call, made once at the end. */
  analyzeStack(resources: EngineResource[]): Promise<AnalysisResult> {
    const request = new AnalyzeStackRequest().setResourcesList(
      resources.map((r) =>
        new AnalyzerResource()
          .setType(r.type)
          .setName(r.name)
          .setUrn(urnOf(r))
          .setProperties(Struct.fromJavaScript(r.properties as Record<string, never>))
          .setOptions(new AnalyzerResourceOptions()),
      ),
    );
    return new Promise((resolve, reject) => this.client.analyzeStack(request, (err, res) => (err ? reject(err) : resolve(decode(res)))));
  }

  /** Closes the client and ends the process (waits for its exit). */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await exited;
  }
}
