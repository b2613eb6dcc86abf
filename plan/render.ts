import type { Evaluation } from "../contract";
import { sortViolations, type Violation } from "./policyTypes";
import { renderTree } from "./tree";
import { summarizeWorkloads, type WorkloadSummary } from "./workloads";

/** "Pulumi project P, GCP project G": two different things a reader may both call "project". */
function projectLabel(evaluation: Evaluation): string {
  const gcpProject = (evaluation.outputs as { project?: unknown }).project;
  const pulumiProject = `Pulumi project ${evaluation.project}`;
  return typeof gcpProject === "string" ? `${pulumiProject}, GCP project ${gcpProject}` : pulumiProject;
}

/** The human view: workloads, the resource tree, then the policy verdicts. */
export function renderPlan(evaluation: Evaluation, violations: Violation[]): string[] {
  const workloads = summarizeWorkloads(evaluation);
  return [
    `Plan for stack "${evaluation.stack}" (${projectLabel(evaluation)}): ${evaluation.resources.length} resources, offline (Pulumi mock engine)`,
    "",
    `Workloads (${workloads.length}):`,
    ...(workloads.length === 0 ? ["  (none)"] : workloads.flatMap(renderWorkload)),
    "",
    "Resources:",
    ...renderTree(evaluation.resources).map((line) => `  ${line}`),
    "",
    ...renderVerdicts(violations),
  ];
}

/** One workload's block: the facts a reviewer checks before `pulumi up`. */
export function renderWorkload(workload: WorkloadSummary): string[] {
  const rows: [string, string][] = [
    ["region", workload.region],
    ...(workload.kind === "service" ? ([["ingress", workload.ingress ?? "unknown"]] as [string, string][]) : []),
    ["runtime SA", workload.serviceAccount],
    ["image", workload.imageDigestStandIn ? `${workload.image}  (stand-in digest, offline: the tag is resolved at deploy)` : workload.image],
    ["deletion protection", workload.deletionProtection],
    ...runtimeRows(workload),
    ["invokers", `${workload.invokers.length} (${workload.invokerMode}, ${workload.invokerRole})`],
  ];
  return [
    `  ${workload.kind} ${workload.name}`,
    ...rows.map(([key, value]) => `    ${key.padEnd(20)}${value}`),
    ...workload.invokers.map((member) => `      - ${member}${member === workload.scheduler ? "  (scheduler)" : ""}`),
  ];
}

/**
 * What the workload runs with, one row per kind of setting, only those it sets: env
 * (values), secrets (env name ← secret id:version, never a value), resources, scaling,
 * VPC, labels, schedule.
 */
function runtimeRows(workload: WorkloadSummary): [string, string][] {
  const settings = workload.runtime;
  const named = (prefix: string) => [...settings].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value] as const);
  const joined = (parts: (string | undefined)[]) => parts.filter((part): part is string => part !== undefined).join(", ");
  const value = (key: string, label = key) => (settings.has(key) ? `${label} ${settings.get(key)}` : undefined);
  const rows: [string, string][] = [];
  const env = named("env ");
  if (env.length > 0) rows.push(["env", env.map(([name, v]) => `${name}=${v}`).join(", ")]);
  const secrets = named("secret ");
  if (secrets.length > 0) rows.push(["secrets", secrets.map(([name, ref]) => `${name} ← ${ref}`).join(", ")]);
  const resources = joined([value("cpu"), value("memory"), value("cpuIdle"), value("startupCpuBoost")]);
  if (resources) rows.push(["resources", resources]);
  if (workload.kind === "service") {
    const instances = settings.has("scaling.min") || settings.has("scaling.max") ? `instances ${settings.get("scaling.min") ?? "?"}–${settings.get("scaling.max") ?? "?"}` : undefined;
    const scaling = joined([instances, value("concurrency"), value("timeout", "request timeout")]);
    if (scaling) rows.push(["scaling", scaling]);
  } else if (settings.has("timeout")) {
    rows.push(["task timeout", settings.get("timeout")!]);
  }
  if (settings.has("vpc.egress")) {
    const where = [settings.get("vpc.network"), settings.get("vpc.subnetwork")].filter(Boolean).join("/");
    rows.push(["vpc egress", `${settings.get("vpc.egress")}${where ? ` through ${where}` : ""}`]);
  }
  const labels = named("label ");
  if (labels.length > 0) rows.push(["labels", labels.map(([key, v]) => `${key}=${v}`).join(", ")]);
  if (workload.schedule) rows.push(["schedule", `${workload.schedule.cron} (${workload.schedule.timeZone}), Cloud Scheduler calls as ${workload.schedule.account}`]);
  return rows;
}

/** Mandatory failures first, then advisories; a clean run says so. */
export function renderVerdicts(violations: Violation[]): string[] {
  const sorted = sortViolations(violations);
  const mandatory = sorted.filter((violation) => violation.enforcementLevel === "mandatory");
  const advisory = sorted.filter((violation) => violation.enforcementLevel === "advisory");
  const verdict =
    mandatory.length > 0
      ? `FAILED: ${mandatory.length} mandatory violation(s), ${advisory.length} advisory`
      : `passed: 0 mandatory violations, ${advisory.length} advisory`;
  return [
    `Policies: ${verdict}`,
    ...[...mandatory, ...advisory].map(
      (violation) => `  [${violation.enforcementLevel}] ${violation.policy} on ${violation.resource} (${violation.type}): ${violation.message}`,
    ),
  ];
}
