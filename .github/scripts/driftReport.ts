/**
 * Names what drifted, from `pulumi preview --refresh --json`: every resource
 * the preview would change after reading the cloud, and for IAM grants which
 * members were added out of band and which are missing. The drift workflow runs
 * it when a refreshed preview with expect-no-changes failed.
 *
 *   pulumi preview --stack dev --refresh --json > preview.json
 *   npx tsx .github/scripts/driftReport.ts --preview preview.json --stack dev [--annotate]
 *
 * Exit 0: no drift. Exit 1: drift, each resource named (with --annotate, also as
 * a GitHub `::error` annotation). Exit 2: the file is not a preview.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileErrorReason, runScript, type ScriptIO } from "./cli";

/** The parts of a `pulumi preview --json` step this report reads. */
interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { type?: string; inputs?: Record<string, unknown> };
  diffReasons?: string[];
}

/** One drifted resource, in words. */
export interface Drift {
  type: string;
  name: string;
  op: string;
  /** IAM grants only: members the cloud has and the config does not (removed by the next `up`). */
  outOfBand: string[];
  /** IAM grants only: members the config has and the cloud lost (restored by the next `up`). */
  missing: string[];
  /** Other resources: the properties that differ. */
  properties: string[];
}

/** Operations that change nothing in the cloud. */
const NO_CHANGE = new Set(["same", "read", "refresh", "discard"]);

/** Invoker grants: authoritative bindings (members) and additive members (member). */
const IAM_TYPE = /Iam(Binding|Member)$/;

/** Every drifted resource in a preview document. @throws Error when the document is not a preview. */
export function findDrift(preview: unknown): Drift[] {
  const steps = (preview as { steps?: unknown }).steps;
  if (typeof preview !== "object" || preview === null || (steps !== undefined && !Array.isArray(steps))) {
    throw new Error("--preview: not the JSON `pulumi preview --json` prints (an object with a steps list)");
  }
  return ((steps ?? []) as PreviewStep[]).filter((step) => !NO_CHANGE.has(step.op)).map(describe);
}

function describe(step: PreviewStep): Drift {
  const type = (step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2] ?? "").split(":").pop() ?? "";
  const name = step.urn.split("::").pop() ?? step.urn;
  const drift: Drift = { type, name, op: step.op, outOfBand: [], missing: [], properties: [] };
  if (IAM_TYPE.test(type)) {
    const actual = members(step.oldState?.outputs ?? step.oldState?.inputs, step.op === "create");
    const wanted = members(step.newState?.inputs, step.op === "delete");
    drift.outOfBand = actual.filter((member) => !wanted.includes(member));
    drift.missing = wanted.filter((member) => !actual.includes(member));
  }
  if (drift.outOfBand.length === 0 && drift.missing.length === 0) drift.properties = [...(step.diffReasons ?? [])].sort();
  return drift;
}

/** The members a binding (`members`) or a member resource (`member`) grants; none when the resource is absent on that side. */
function members(state: Record<string, unknown> | undefined, absent: boolean): string[] {
  if (absent || !state) return [];
  if (Array.isArray(state.members)) return state.members.map(String).sort();
  return typeof state.member === "string" ? [state.member] : [];
}

/** One line per drifted resource. */
export function formatDrift(drift: Drift): string {
  const parts: string[] = [];
  if (drift.outOfBand.length) parts.push(`granted out of band: ${drift.outOfBand.join(", ")}`);
  if (drift.missing.length) parts.push(`missing: ${drift.missing.join(", ")}`);
  if (drift.properties.length) parts.push(`differs in: ${drift.properties.join(", ")}`);
  if (parts.length === 0) parts.push(drift.op === "create" ? "deleted out of band" : drift.op === "delete" ? "no longer in the config" : "differs");
  return `${drift.type} ${drift.name} (${drift.op}): ${parts.join("; ")}`;
}

/** The whole report: a headline and one line per resource. */
export function renderReport(drifts: readonly Drift[], stack: string): string {
  if (drifts.length === 0) return `No drift in ${stack}: the cloud matches the stack.\n`;
  return [
    `Drift in ${stack}: ${drifts.length} resource${drifts.length === 1 ? "" : "s"} differ from the stack after a refresh (the next \`pulumi up\` puts them back):`,
    ...drifts.map((drift) => `  - ${formatDrift(drift)}`),
    "",
  ].join("\n");
}

export function main(argv: string[], io: ScriptIO): number {
  const { values } = parseArgs({ args: argv, options: { preview: { type: "string" }, stack: { type: "string" }, annotate: { type: "boolean", default: false } }, strict: true });
  if (!values.preview || !values.stack) throw new Error("--preview FILE and --stack NAME are required (FILE from pulumi preview --refresh --json)");
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(resolve(io.cwd, values.preview), "utf8"));
  } catch (error) {
    throw new Error(`--preview: cannot read "${values.preview}" as JSON (${fileErrorReason(error)}); write it with pulumi preview --refresh --json > FILE`);
  }
  const drifts = findDrift(document);
  io.stdout(renderReport(drifts, values.stack));
  if (values.annotate) for (const drift of drifts) io.stdout(`::error title=Drift in ${values.stack}::${formatDrift(drift)}\n`);
  return drifts.length === 0 ? 0 : 1;
}

if (require.main === module) runScript(main);
