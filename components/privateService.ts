/**
 * A private Cloud Run service: dedicated runtime identity, digest-pinned
 * image, authentication required, and exactly the listed invokers.
 * Steps 2 and 3 of the manual path (docs/stack.md, "the five manual steps").
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, SERVICE_INGRESS, type Ingress, type ServiceOutputs } from "../contract";
import { audienceProblem } from "./audiences";
import { InvokerAccess } from "./invokerAccess";
import { buildServiceSmokeTest, serviceAudiences } from "./smokeTestBuilders";
import { runtimeServiceAccount, WORKLOAD_DEFAULTS, type PrivateWorkloadArgs } from "./workload";

/** What a service gets when its args leave a setting out (stack config reads the same values). */
export const SERVICE_DEFAULTS = {
  ingress: "all" as Ingress,
  /** The app serves /health and /health/; paths ending in "z" are reserved on run.app (docs/stack.md). */
  smokePath: "/health/",
  /** Cloud Run's own default for $PORT. */
  port: 8080,
};

export interface PrivateServiceArgs extends PrivateWorkloadArgs {
  /**
   * Who may reach the service at the network level; IAM applies in every case.
   * @default SERVICE_DEFAULTS.ingress
   */
  ingress?: Ingress;
  /**
   * Extra audiences accepted in ID tokens (e.g. a custom domain).
   * @default []
   */
  customAudiences?: readonly string[];
  /**
   * Path of the startup and liveness probes and of the smoke test. Never a path ending in "z".
   * @default SERVICE_DEFAULTS.smokePath
   */
  smokePath?: string;
  /**
   * Container port ($PORT).
   * @default SERVICE_DEFAULTS.port
   */
  port?: number;
}

/** Runtime service account + cloudrunv2.Service + invoker IAM. */
export class PrivateService extends pulumi.ComponentResource {
  readonly serviceAccount: serviceaccount.Account;
  readonly service: cloudrunv2.Service;
  readonly invokerAccess: InvokerAccess;
  /** The stack outputs of this service (StackOutputs.services[name]). */
  readonly outputs: pulumi.Output<ServiceOutputs>;

  constructor(name: string, args: PrivateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // Defence in depth: config validation already refused these, but a component used directly must too.
    for (const audience of args.customAudiences ?? []) {
      const problem = audienceProblem(audience);
      if (problem !== undefined) throw new Error(`${name}: customAudiences ${JSON.stringify(audience)} ${problem}`);
    }
    super(COMPONENT_TYPES.privateService, name, {}, opts);
    const self = { parent: this };
    const port = args.port ?? SERVICE_DEFAULTS.port;
    const smokePath = args.smokePath ?? SERVICE_DEFAULTS.smokePath;
    const customAudiences = [...(args.customAudiences ?? [])];

    this.serviceAccount = runtimeServiceAccount("service", name, args, this);
    const probe = { httpGet: { path: smokePath, port } };
    this.service = new cloudrunv2.Service(
      `${name}-service`,
      {
        project: args.project,
        location: args.region,
        name,
        ingress: SERVICE_INGRESS[args.ingress ?? SERVICE_DEFAULTS.ingress],
        // Said explicitly: IAM is checked on every request. `true` would make the service public.
        invokerIamDisabled: false,
        customAudiences,
        deletionProtection: args.deletionProtection ?? WORKLOAD_DEFAULTS.deletionProtection,
        template: {
          serviceAccount: this.serviceAccount.email,
          containers: [
            {
              // By digest: a new build rolls a revision, an unchanged source rolls none.
              image: args.image,
              ports: { containerPort: port },
              startupProbe: { ...probe, periodSeconds: 3, failureThreshold: 20 },
              livenessProbe: { ...probe, periodSeconds: 30 },
            },
          ],
        },
      },
      { ...self, dependsOn: args.dependsOn },
    );
    this.invokerAccess = new InvokerAccess(
      `${name}-invokers`,
      { kind: "service", workload: this.service, members: args.invokers, mode: args.invokerMode, role: args.invokerRole },
      self,
    );
    const { members: invokers, mode: invokerMode, role: invokerRole } = this.invokerAccess;
    this.outputs = pulumi
      .all([this.service.uri, this.serviceAccount.email, pulumi.output(args.image)])
      .apply(([url, serviceAccountEmail, image]) => ({
        url,
        audiences: serviceAudiences(url, customAudiences),
        serviceAccountEmail,
        image,
        invokers,
        invokerMode,
        invokerRole,
        smokeTest: buildServiceSmokeTest({ name, url, customAudiences, path: smokePath, invokers }),
      }));
    // The facts the offline plan reads from this component (contract/components.ts).
    this.registerOutputs({ name, cloudRun: this.service.urn, runtimeServiceAccount: this.serviceAccount.urn, outputs: this.outputs });
  }
}
