/**
 * Workloads as callers of other workloads. `workload:NAME` in an invoker list
 * (or in a group) names that workload's runtime account, known from config
 * alone, so the plan stays exact. Here: resolving those names, the rule that a
 * workload calling an internal service must leave through a VPC, and IAM's
 * limits on one policy's members.
 */
import { isMapping, NAMESPACE, type ConfigProblem } from "../contract";
import { runtimeMember } from "../components/naming";
import { expandPrincipals, type PrincipalGroups, type WorkloadResolver } from "../components/principals";
import { vpcSchema } from "./runtimeKeys";
import { WORKLOAD_NAME } from "./schema";

type Kind = "service" | "job";
const LISTS = { service: "services", job: "jobs" } as const;

/** One workload of the stack, as far as other workloads see it. */
interface Workload {
  kind: Kind;
  name: string;
  index: number;
  /** `serviceAccount:<runtime account email>`. */
  member: string;
  raw: Record<string, unknown>;
}

/** The stack's workloads by name and by runtime account, read from the raw config. */
export class WorkloadDirectory {
  private readonly byName = new Map<string, Workload[]>();
  private readonly byMember = new Map<string, Workload>();

  constructor(input: Record<string, unknown>) {
    const project = typeof input["gcp:project"] === "string" ? input["gcp:project"] : "PROJECT";
    for (const kind of ["service", "job"] as const) {
      const list = input[`${NAMESPACE}:${LISTS[kind]}`];
      if (!Array.isArray(list)) continue;
      list.forEach((item, index) => {
        const raw = isMapping(item) ? item : {};
        const name = raw.name;
        if (typeof name !== "string" || !WORKLOAD_NAME.test(name)) return;
        const workload = { kind, name, index, member: runtimeMember(kind, name, project), raw };
        this.byName.set(name, [...(this.byName.get(name) ?? []), workload]);
        if (!this.byMember.has(workload.member)) this.byMember.set(workload.member, workload);
      });
    }
  }

  /** `workload:NAME` → that workload's runtime account member, or why the name cannot be one. */
  readonly resolve: WorkloadResolver = (name) => {
    const found = this.byName.get(name) ?? [];
    const kinds = new Set(found.map((w) => w.kind));
    if (kinds.size > 1) {
      return { problem: `names both service ${name} and job ${name}, so the caller is ambiguous; rename one of them (a service and a job may otherwise share a name)` };
    }
    if (found.length === 0) return { problem: `names no service or job of this stack; ${this.known()}` };
    return { member: found[0].member };
  };

  /** The workload a member is the runtime account of, if any. */
  workloadOf(member: string): Workload | undefined {
    return this.byMember.get(member);
  }

  private known(): string {
    const names = (kind: Kind) => [...this.byName.values()].flat().filter((w) => w.kind === kind).map((w) => w.name);
    const services = names("service");
    const jobs = names("job");
    return `services: ${services.join(", ") || "(none)"}; jobs: ${jobs.join(", ") || "(none)"}`;
  }
}

/** Ingress settings under which only requests from a VPC (or a load balancer) reach the service. */
const INTERNAL_INGRESS: ReadonlySet<unknown> = new Set(["internal", "internal-and-cloud-load-balancing"]);

/**
 * A workload calling an internal service: Cloud Run counts the call as
 * internal only when it leaves the caller through a VPC, so the caller needs
 * Direct VPC egress with all traffic (securing/ingress). Without it the call
 * would be refused at run time, after a clean plan: say so now, at the invoker
 * entry that lets it call (directly, through a group, or as a literal
 * serviceAccount: member of a runtime account).
 */
export function internalCallerProblems(input: Record<string, unknown>, groups: PrincipalGroups, directory: WorkloadDirectory): ConfigProblem[] {
  const services = input[`${NAMESPACE}:services`];
  if (!Array.isArray(services)) return [];
  return services.flatMap((service, index) => {
    if (!isMapping(service) || !INTERNAL_INGRESS.has(service.ingress) || !Array.isArray(service.invokers)) return [];
    return service.invokers.flatMap((entry, position) => {
      const { members, problems } = expandPrincipals([entry], groups, directory.resolve);
      if (problems.length > 0) return [];
      const withoutVpc = members.map((member) => directory.workloadOf(member)).filter((caller): caller is Workload => caller !== undefined && !allTraffic(caller.raw));
      if (withoutVpc.length === 0) return [];
      const callers = withoutVpc.map((caller) => `${caller.kind} ${caller.name} (${egressOf(caller.raw)})`).join(", ");
      return [
        {
          path: `${NAMESPACE}:services[${index}].invokers[${position}]`,
          value: entry,
          message:
            `lets ${callers} call ${String(service.name)}, whose ingress is ${String(service.ingress)}: Cloud Run counts a call from another workload as internal only when it leaves ` +
            `through a VPC. Give ${withoutVpc.length === 1 ? "that caller" : "each of those callers"} vpc: {subnetwork: …, egress: all-traffic}, with Private Google Access on the subnet`,
        },
      ];
    });
  });
}

function allTraffic(raw: Record<string, unknown>): boolean {
  const vpc = vpcSchema.safeParse(raw.vpc);
  return vpc.success && vpc.data.egress === "all-traffic";
}

function egressOf(raw: Record<string, unknown>): string {
  const vpc = vpcSchema.safeParse(raw.vpc);
  return raw.vpc === undefined ? "no vpc" : vpc.success ? `vpc egress ${vpc.data.egress ?? "private-ranges-only"}` : "an invalid vpc";
}

/** IAM's limits on one allow policy (iam/quotas): a workload's policy is one policy. */
export const IAM_POLICY_LIMITS = { members: 1500, groupsAndDomains: 250 } as const;

/**
 * A workload whose invokers would not fit in its IAM policy: the deploy would
 * fail half-way (the binding is set after the workload exists). `extra` counts
 * the members the stack adds itself (a scheduled job's scheduler account).
 */
export function policyLimitProblems(input: Record<string, unknown>, groups: PrincipalGroups, resolve: WorkloadResolver, extra: (kind: Kind, raw: Record<string, unknown>) => number = () => 0): ConfigProblem[] {
  return (["service", "job"] as const).flatMap((kind) => {
    const list = input[`${NAMESPACE}:${LISTS[kind]}`];
    if (!Array.isArray(list)) return [];
    return list.flatMap((item, index) => {
      if (!isMapping(item) || !Array.isArray(item.invokers)) return [];
      const { members, problems } = expandPrincipals(item.invokers, groups, resolve);
      if (problems.length > 0) return [];
      const total = members.length + extra(kind, item);
      const groupsAndDomains = members.filter((member) => member.startsWith("group:") || member.startsWith("domain:")).length;
      const path = `${NAMESPACE}:${LISTS[kind]}[${index}].invokers`;
      const found: ConfigProblem[] = [];
      if (total > IAM_POLICY_LIMITS.members) {
        found.push({ path, value: item.invokers, message: `grants ${total} principals once groups are expanded; one IAM policy holds at most ${IAM_POLICY_LIMITS.members}: grant a Google group instead of its members` });
      }
      if (groupsAndDomains > IAM_POLICY_LIMITS.groupsAndDomains) {
        found.push({ path, value: item.invokers, message: `names ${groupsAndDomains} Google groups and domains; one IAM policy holds at most ${IAM_POLICY_LIMITS.groupsAndDomains}: put them in fewer, larger groups` });
      }
      return found;
    });
  });
}

