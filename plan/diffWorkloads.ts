/**
 * The reviewer's view of a workload's runtime settings in `--diff`: an env value, a
 * secret reference (id and version, never a value), a CPU or memory limit, scaling,
 * concurrency, timeout, VPC egress, labels or a schedule that changes shows as a change
 * of that workload, read from the Cloud Run resource its component published (and the
 * scheduler job it holds), not from the config.
 */
import { readPath, type Evaluation, type RegisteredResource } from "../contract";
import { publishedFacts } from "./facts";

/** One setting of one workload that differs; undefined = not set on that side. */
export interface SettingChange {
  setting: string;
  before?: string;
  after?: string;
}

/** The settings that change on one workload. */
export interface WorkloadSettingsChange {
  kind: "service" | "job";
  workload: string;
  changes: SettingChange[];
}

/** Settings of every workload on both sides, compared by kind and name; workloads on one side only are left to the resource diff. */
export function diffWorkloadSettings(before: Evaluation, after: Evaluation): WorkloadSettingsChange[] {
  const old = settingsByWorkload(before);
  const next = settingsByWorkload(after);
  const result: WorkloadSettingsChange[] = [];
  for (const [key, settings] of next) {
    const previous = old.get(key);
    if (!previous) continue;
    const names = [...new Set([...previous.settings.keys(), ...settings.settings.keys()])].sort((a, b) => a.localeCompare(b, "en"));
    const changes = names
      .filter((name) => previous.settings.get(name) !== settings.settings.get(name))
      .map((setting) => ({ setting, before: previous.settings.get(setting), after: settings.settings.get(setting) }));
    if (changes.length > 0) result.push({ kind: settings.kind, workload: settings.name, changes });
  }
  return result.sort((a, b) => a.kind.localeCompare(b.kind, "en") || a.workload.localeCompare(b.workload, "en"));
}

function settingsByWorkload(evaluation: Evaluation): Map<string, { kind: "service" | "job"; name: string; settings: Map<string, string> }> {
  const { workloads } = publishedFacts(evaluation.resources);
  const schedulers = evaluation.resources.filter((r) => r.type === "gcp:cloudscheduler/job:Job");
  const result = new Map<string, { kind: "service" | "job"; name: string; settings: Map<string, string> }>();
  for (const workload of workloads) {
    if (!workload.cloudRun) continue;
    const settings = runtimeSettings(workload.kind, workload.cloudRun);
    const schedule = schedulers.find((s) => s.parent === workload.name && workload.kind === "job");
    if (schedule) {
      put(settings, "schedule", schedule.inputs.schedule);
      put(settings, "timeZone", schedule.inputs.timeZone);
    }
    result.set(`${workload.kind}:${workload.name}`, { kind: workload.kind, name: workload.name, settings });
  }
  return result;
}

/** What the Cloud Run resource runs with, flattened to "setting → value" (a secret as `id:version`). */
export function runtimeSettings(kind: "service" | "job", resource: RegisteredResource): Map<string, string> {
  const settings = new Map<string, string>();
  // A template marked secret is compared whole elsewhere; none of its values is shown here.
  if (resource.secretInputs.includes("template")) return settings;
  const template = readPath(resource.inputs, kind === "service" ? ["template"] : ["template", "template"]);
  const container = readPath(template, ["containers", 0]);
  const envs = readPath(container, ["envs"]);
  for (const env of Array.isArray(envs) ? envs : []) {
    if (typeof env?.name !== "string") continue;
    const ref = readPath(env, ["valueSource", "secretKeyRef"]) as { secret?: unknown; version?: unknown } | undefined;
    if (ref && typeof ref === "object") put(settings, `secret ${env.name}`, `${String(ref.secret)}:${String(ref.version ?? "latest")}`);
    else put(settings, `env ${env.name}`, env.value);
  }
  put(settings, "cpu", readPath(container, ["resources", "limits", "cpu"]));
  put(settings, "memory", readPath(container, ["resources", "limits", "memory"]));
  put(settings, "cpuIdle", readPath(container, ["resources", "cpuIdle"]));
  put(settings, "startupCpuBoost", readPath(container, ["resources", "startupCpuBoost"]));
  put(settings, "scaling.min", readPath(template, ["scaling", "minInstanceCount"]));
  put(settings, "scaling.max", readPath(template, ["scaling", "maxInstanceCount"]));
  put(settings, "concurrency", readPath(template, ["maxInstanceRequestConcurrency"]));
  put(settings, "timeout", readPath(template, ["timeout"]));
  put(settings, "vpc.egress", readPath(template, ["vpcAccess", "egress"]));
  put(settings, "vpc.network", readPath(template, ["vpcAccess", "networkInterfaces", 0, "network"]));
  put(settings, "vpc.subnetwork", readPath(template, ["vpcAccess", "networkInterfaces", 0, "subnetwork"]));
  put(settings, "ingress", resource.inputs.ingress);
  const labels = resource.inputs.labels;
  if (labels && typeof labels === "object") for (const [key, value] of Object.entries(labels)) put(settings, `label ${key}`, value);
  return settings;
}

function put(settings: Map<string, string>, name: string, value: unknown): void {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") settings.set(name, String(value));
}

/** The changes as text lines for the human view. */
export function renderWorkloadSettings(changes: WorkloadSettingsChange[]): string[] {
  const lines = ["Workload settings:"];
  if (changes.length === 0) lines.push("  (no change)");
  for (const change of changes) {
    lines.push(`  ${change.kind} ${change.workload}:`);
    for (const { setting, before, after } of change.changes) {
      if (before === undefined) lines.push(`    + ${setting}: ${after}`);
      else if (after === undefined) lines.push(`    - ${setting}: ${before}`);
      else lines.push(`    ~ ${setting}: ${before} → ${after}`);
    }
  }
  return lines;
}
