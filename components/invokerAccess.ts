/**
 * Invoker IAM for a Cloud Run service or job: one code path for both kinds
 * (as Cloud Foundation Fabric's cloud-run-v2 does). Step 3 of the manual path.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { isPublicPrincipal } from "./principals";
import { memberSlug } from "./naming";

export type InvokerMode = "authoritative" | "additive";

export interface InvokerAccessArgs {
  /** Which IAM resources to use. */
  kind: "service" | "job";
  /** The workload the role is granted on; IAM is replaced with it. */
  workload: gcp.cloudrunv2.Service | gcp.cloudrunv2.Job;
  /** Effective members (groups already expanded). Never public: checked again here. */
  members: readonly string[];
  /**
   * "authoritative": one Binding, the list is the single source of truth and
   * out-of-band grants of the role are removed. "additive": one Member per
   * principal, other grants are left alone.
   * @default "authoritative"
   */
  mode?: InvokerMode;
  /**
   * The role granted.
   * @default "roles/run.invoker"
   */
  role?: string;
}

/** Grants the role to exactly the listed members on one service or job. */
export class InvokerAccess extends pulumi.ComponentResource {
  /** The IAM resources created: one Binding, or one Member per principal. */
  readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: InvokerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run:index:InvokerAccess", name, {}, opts);
    // Defence in depth: config validation already refuses these; a component
    // used directly must refuse them too.
    const publicMember = args.members.find(isPublicPrincipal);
    if (publicMember) throw new Error(`${name}: "${publicMember}" would make the ${args.kind} public; this stack never grants public access`);
    const target = { name: args.workload.name, location: args.workload.location, project: args.workload.project, role: args.role ?? "roles/run.invoker" };
    // IAM follows a replaced workload: when the service/job is replaced, its
    // grants are replaced too (a new resource starts with an empty policy).
    const self: pulumi.CustomResourceOptions = { parent: this, replaceWith: [args.workload] };
    const mode = args.mode ?? "authoritative";
    this.resources =
      mode === "authoritative"
        ? [this.binding(name, args.kind, { ...target, members: [...args.members].sort() }, self)]
        : [...new Set(args.members)].sort().map((member) => this.member(`${name}-${memberSlug(member)}`, args.kind, { ...target, member }, self));
    this.registerOutputs({});
  }

  private binding(name: string, kind: "service" | "job", args: gcp.cloudrunv2.ServiceIamBindingArgs, opts: pulumi.CustomResourceOptions) {
    return kind === "service"
      ? new gcp.cloudrunv2.ServiceIamBinding(`${name}-binding`, args, opts)
      : new gcp.cloudrunv2.JobIamBinding(`${name}-binding`, args, opts);
  }

  private member(name: string, kind: "service" | "job", args: gcp.cloudrunv2.ServiceIamMemberArgs, opts: pulumi.CustomResourceOptions) {
    return kind === "service" ? new gcp.cloudrunv2.ServiceIamMember(name, args, opts) : new gcp.cloudrunv2.JobIamMember(name, args, opts);
  }
}
