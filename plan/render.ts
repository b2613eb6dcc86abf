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
    ["invokers", `${workload.invokers.length} (${workload.invokerMode}, ${workload.invokerRole})`],
  ];
  return [
    `  ${workload.kind} ${workload.name}`,
    ...rows.map(([key, value]) => `    ${key.padEnd(20)}${value}`),
    ...workload.invokers.map((member) => `      - ${member}${member === workload.scheduler ? "  (scheduler)" : ""}`),
  ];
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
