/**
 * A private Cloud Run service: dedicated runtime identity, digest-pinned
 * image, authentication required, and exactly the listed invokers.
 * Steps 2 and 3 of the manual path (docs/stack.md, "the five manual steps").
 */
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import type * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, SERVICE_INGRESS, type Ingress, type ScalingSettings, type ServiceOutputs } from "../contract";
import { audienceProblem } from "./audiences";
import { InvokerAccess } from "./invokerAccess";
import { grantSecretAccess } from "./secretAccess";
import { buildServiceSmokeTest, serviceAudiences } from "./smokeTestBuilders";
import { containerEnvs, resourceLimits, runtimeServiceAccount, vpcAccess, workloadLabels, WORKLOAD_DEFAULTS, type PrivateWorkloadArgs } from "./workload";

/** What a service gets when its args leave a setting out (stack config reads the same values). */
export const SERVICE_DEFAULTS = {
  ingress: "all" as Ingress,
  /** The app serves /health and /health/; paths ending in "z" are reserved on run.app (docs/stack.md). */
  smokePath: "/health/",
  /** Cloud Run's own default for $PORT. */
  port: 8080,
  /** CPU only while a request is being served (request-based billing): Cloud Run's default. */
  cpuIdle: true,
  /** The API's default: no extra CPU while an instance starts. */
  startupCpuBoost: false,
  /** Scale to zero; at most Cloud Run's default of 100 instances. */
  scaling: { min: 0, max: 100 } as ScalingSettings,
  /** Cloud Run's default with 1 CPU or more (configuring/concurrency); under 1 CPU it must be 1. */
  concurrency: 80,
  /** Request timeout, Cloud Run's default (configuring/request-timeout), in whole seconds. */
  timeout: "300s",
};

/** Concurrency when the args leave it out: Cloud Run's 80, or 1 under 1 CPU (where no other value is allowed). */
export function defaultConcurrency(cpu: string): number {
  return Number(cpu) < 1 ? 1 : SERVICE_DEFAULTS.concurrency;
}

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
  /**
   * CPU only while serving a request (true) or for the instance's whole life (false).
   * @default SERVICE_DEFAULTS.cpuIdle
   */
  cpuIdle?: boolean;
  /**
   * Extra CPU while an instance starts.
   * @default SERVICE_DEFAULTS.startupCpuBoost
   */
  startupCpuBoost?: boolean;
  /**
   * Instance count bounds.
   * @default SERVICE_DEFAULTS.scaling
   */
  scaling?: ScalingSettings;
  /**
   * Requests one instance serves at once.
   * @default defaultConcurrency(cpu)
   */
  concurrency?: number;
  /**
   * Request timeout, whole seconds ("300s").
   * @default SERVICE_DEFAULTS.timeout
   */
  timeout?: string;
}

/** Runtime service account + cloudrunv2.Service + invoker IAM. */
export class PrivateService extends pulumi.ComponentResource {
  readonly serviceAccount: serviceaccount.Account;
  /** One additive grant per secret the service reads, to its runtime account only. */
  readonly secretAccess: secretmanager.SecretIamMember[];
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
    const ingress = args.ingress ?? SERVICE_DEFAULTS.ingress;

    this.serviceAccount = runtimeServiceAccount("service", name, args, this);
    // Cloud Run checks that the runtime account can read each secret when it deploys a revision: grant first.
    this.secretAccess = grantSecretAccess(name, { project: args.project, secrets: args.secrets ?? {}, account: this.serviceAccount, parent: this, dependsOn: args.dependsOn });
    const probe = { httpGet: { path: smokePath, port } };
    const limits = resourceLimits(args);
    const scaling = args.scaling ?? SERVICE_DEFAULTS.scaling;
    this.service = new cloudrunv2.Service(
      `${name}-service`,
      {
        project: args.project,
        location: args.region,
        name,
        ingress: SERVICE_INGRESS[ingress],
        // Said explicitly: IAM is checked on every request. `true` would make the service public.
        invokerIamDisabled: false,
        customAudiences,
        deletionProtection: args.deletionProtection ?? WORKLOAD_DEFAULTS.deletionProtection,
        labels: workloadLabels(args.labels),
        template: {
          serviceAccount: this.serviceAccount.email,
          scaling: { minInstanceCount: scaling.min, maxInstanceCount: scaling.max },
          maxInstanceRequestConcurrency: args.concurrency ?? defaultConcurrency(limits.cpu),
          timeout: args.timeout ?? SERVICE_DEFAULTS.timeout,
          // Under 1 CPU Cloud Run requires the first generation execution environment (configuring/services/cpu).
          executionEnvironment: Number(limits.cpu) < 1 ? "EXECUTION_ENVIRONMENT_GEN1" : undefined,
          vpcAccess: vpcAccess(args.vpc),
          containers: [
            {
              // By digest: a new build rolls a revision, an unchanged source rolls none.
              image: args.image,
              envs: containerEnvs(args),
              // Set whenever resources are: the provider then needs cpuIdle said explicitly to keep request-based billing.
              resources: { limits: { ...limits }, cpuIdle: args.cpuIdle ?? SERVICE_DEFAULTS.cpuIdle, startupCpuBoost: args.startupCpuBoost ?? SERVICE_DEFAULTS.startupCpuBoost },
              ports: { containerPort: port },
              startupProbe: { ...probe, periodSeconds: 3, failureThreshold: 20 },
              livenessProbe: { ...probe, periodSeconds: 30 },
            },
          ],
        },
      },
      { ...self, dependsOn: [...(args.dependsOn ?? []), ...this.secretAccess] },
    );
    this.invokerAccess = new InvokerAccess(
      `${name}-invokers`,
      { kind: "service", workload: this.service, members: args.invokers, mode: args.invokerMode, role: args.invokerRole, dependsOn: args.invokerDependsOn },
      self,
    );
    const { members: invokers, mode: invokerMode, role: invokerRole } = this.invokerAccess;
    this.outputs = pulumi
      .all([this.service.uri, this.serviceAccount.email, pulumi.output(args.image)])
      .apply(([url, serviceAccountEmail, image]) => ({
        url,
        ingress,
        audiences: serviceAudiences(url, customAudiences),
        serviceAccountEmail,
        image,
        ...(args.imageReference !== undefined ? { imageReference: args.imageReference } : {}),
        invokers,
        invokerMode,
        invokerRole,
        secrets: { ...(args.secrets ?? {}) },
        smokeTest: buildServiceSmokeTest({ name, url, customAudiences, path: smokePath, invokers, ingress }),
      }));
    // The facts the offline plan reads from this component (contract/components.ts).
    this.registerOutputs({ name, cloudRun: this.service.urn, runtimeServiceAccount: this.serviceAccount.urn, outputs: this.outputs });
  }
}
