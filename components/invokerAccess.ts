/**
 * Invoker IAM for a Cloud Run service or job: one code path for both kinds
 * (as Cloud Foundation Fabric's cloud-run-v2 does). Step 3 of the manual path.
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, type InvokerMode } from "../contract";
import { parsePrincipal } from "./principals";
import { memberSlug } from "./naming";

export type { InvokerMode };

/** The mode and role when the args leave them out (stack config reads the same values). */
export const INVOKER_DEFAULTS = {
  /** The list is the single source of truth: out-of-band grants of the role are removed. */
  mode: "authoritative" as InvokerMode,
  /** Covers both kinds: calling a service's URL and running a job. */
  role: "roles/run.invoker",
};

export interface InvokerAccessArgs {
  /** Which IAM resources to use. */
  kind: "service" | "job";
  /** The workload the role is granted on; IAM is replaced with it. */
  workload: cloudrunv2.Service | cloudrunv2.Job;
  /** Effective members (groups already expanded). Never public: checked again here. */
  members: readonly string[];
  /**
   * "authoritative": one Binding, the list is the single source of truth and
   * out-of-band grants of the role are removed. "additive": one Member per
   * principal, other grants are left alone.
   * @default INVOKER_DEFAULTS.mode
   */
  mode?: InvokerMode;
  /**
   * The role granted.
   * @default INVOKER_DEFAULTS.role
   */
  role?: string;
  /**
   * Resources to create first: the service accounts among `members` that the
   * same deploy creates (another workload's runtime account, a scheduler
   * account). IAM refuses a binding naming an account that does not exist yet.
   * @default []
   */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Defence in depth: config validation already did this, but a component used
 * directly must refuse public members, group names and malformed strings too,
 * and write emails as IAM stores them (lower case) so `pulumi up` shows no
 * perpetual diff. Returns the members deduplicated and sorted.
 */
function canonicalMembers(name: string, kind: "service" | "job", raw: readonly string[]): string[] {
  if (raw.length === 0) throw new Error(`${name}: no invokers; list at least one principal that may invoke this ${kind} (an empty authoritative binding grants no one)`);
  const members = raw.map((value) => {
    const parsed = parsePrincipal(value);
    if (parsed.kind === "member") return parsed.member;
    const why =
      parsed.kind === "group"
        ? "is a group name; expand groups (expandPrincipals) before granting"
        : parsed.kind === "workload"
          ? "names a workload; resolve it to that workload's runtime account (serviceAccount:…) before granting"
          : parsed.message;
    throw new Error(`${name}: invoker ${JSON.stringify(value)} ${why}`);
  });
  return [...new Set(members)].sort();
}

/** Grants the role to exactly the listed members on one service or job. */
export class InvokerAccess extends pulumi.ComponentResource {
  /** The IAM resources created: one Binding, or one Member per principal. */
  readonly resources: pulumi.CustomResource[];
  /** The members granted: canonical (emails in lower case), deduplicated, sorted. */
  readonly members: string[];
  /** The mode in effect (the default applied). */
  readonly mode: InvokerMode;
  /** The role granted (the default applied). */
  readonly role: string;

  constructor(name: string, args: InvokerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, the component itself included.
    const members = canonicalMembers(name, args.kind, args.members);
    super(COMPONENT_TYPES.invokerAccess, name, {}, opts);
    this.members = members;
    this.mode = args.mode ?? INVOKER_DEFAULTS.mode;
    this.role = args.role ?? INVOKER_DEFAULTS.role;
    const target = { name: args.workload.name, location: args.workload.location, project: args.workload.project, role: this.role };
    // IAM follows a replaced workload: when the service/job is replaced, its
    // grants are replaced too (a new resource starts with an empty policy).
    const self: pulumi.CustomResourceOptions = { parent: this, replaceWith: [args.workload], dependsOn: args.dependsOn };
    this.resources =
      this.mode === "authoritative"
        ? [this.binding(name, args.kind, { ...target, members }, self)]
        : members.map((member) => this.member(`${name}-${memberSlug(member)}`, args.kind, { ...target, member }, self));
    // Which IAM resources grant on which workload, for the offline plan (contract/components.ts).
    this.registerOutputs({ workload: args.workload.urn, grants: this.resources.map((grant) => grant.urn) });
  }

  private binding(name: string, kind: "service" | "job", args: cloudrunv2.ServiceIamBindingArgs, opts: pulumi.CustomResourceOptions) {
    return kind === "service"
      ? new cloudrunv2.ServiceIamBinding(`${name}-binding`, args, opts)
      : new cloudrunv2.JobIamBinding(`${name}-binding`, args, opts);
  }

  private member(name: string, kind: "service" | "job", args: cloudrunv2.ServiceIamMemberArgs, opts: pulumi.CustomResourceOptions) {
    return kind === "service" ? new cloudrunv2.ServiceIamMember(name, args, opts) : new cloudrunv2.JobIamMember(name, args, opts);
  }
}
