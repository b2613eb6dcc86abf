import type { Evaluation, RegisteredResource, StackOutputs } from "../../contract";
import { buildJobSmokeTest, buildServiceSmokeTest } from "../../components/smokeTestBuilders";

/** A resource as the mock engine would record it, for the plan's pure tests. */
export function resource(
  type: string,
  name: string,
  parent: string | null,
  inputs: Record<string, unknown> = {},
  extra: Partial<RegisteredResource> = {},
): RegisteredResource {
  return {
    type,
    name,
    parent,
    urn: `urn:pulumi:dev::private-cloud-run::${type}::${name}`,
    inputs,
    secretInputs: [],
    component: false,
    ...extra,
  } as RegisteredResource;
}

export interface FixtureOptions {
  stack?: string;
  invokers?: string[];
  image?: string;
  ingress?: string;
  withJob?: boolean;
  password?: string;
}

/**
 * A small evaluation shaped like the dev stack: an image component with a registry
 * password (secret), a service component with its runtime SA, service and invoker
 * binding, and optionally a job with an additive member grant.
 */
export function fixtureEvaluation(options: FixtureOptions = {}): Evaluation {
  const stack = options.stack ?? "dev";
  const invokers = options.invokers ?? ["group:eng@example.com", "user:alice@example.com"];
  const image = options.image ?? "asia-east1-docker.pkg.dev/demo/apps/app@sha256:1111";
  const withStack = (r: RegisteredResource): RegisteredResource => ({ ...r, urn: r.urn.replace("urn:pulumi:dev::", `urn:pulumi:${stack}::`) });
  const resources = [
    resource("private-cloud-run:index:ArtifactImage", "app", null, {}, { component: true }),
    resource("gcp:artifactregistry/repository:Repository", "app-repo", "app", { repositoryId: "apps", format: "DOCKER", location: "asia-east1" }),
    resource(
      "docker-build:index:Image",
      "app-image",
      "app",
      { platforms: ["linux/amd64"], push: true, registries: [{ address: "asia-east1-docker.pkg.dev", password: options.password ?? "ya29.SECRET-TOKEN" }] },
      { secretInputs: ["registries"] },
    ),
    resource("private-cloud-run:index:PrivateService", "hello", null, {}, { component: true }),
    resource("gcp:serviceaccount/account:Account", "hello-sa", "hello", { accountId: "hello-run", project: "demo" }),
    resource("gcp:cloudrunv2/service:Service", "hello-service", "hello", {
      name: "hello",
      location: "asia-east1",
      ingress: options.ingress ?? "INGRESS_TRAFFIC_ALL",
      deletionProtection: false,
      template: { serviceAccount: "hello-run@demo.iam.gserviceaccount.com", containers: [{ image }] },
    }),
    resource("gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", "hello-invokers", "hello", {
      name: "hello",
      location: "asia-east1",
      role: "roles/run.invoker",
      members: invokers,
    }),
  ];
  if (options.withJob) {
    resources.push(
      resource("private-cloud-run:index:PrivateJob", "nightly", null, {}, { component: true }),
      resource("gcp:serviceaccount/account:Account", "nightly-sa", "nightly", { accountId: "nightly-run", project: "demo" }),
      resource("gcp:cloudrunv2/job:Job", "nightly-job", "nightly", {
        name: "nightly",
        location: "asia-east1",
        template: { template: { serviceAccount: "nightly-run@demo.iam.gserviceaccount.com", containers: [{ image }] } },
      }),
      resource("gcp:cloudrunv2/jobIamMember:JobIamMember", "nightly-invoker-0", "nightly", {
        name: "nightly",
        location: "asia-east1",
        role: "roles/run.invoker",
        member: "serviceAccount:hello-run@demo.iam.gserviceaccount.com",
      }),
    );
  }
  const outputs: StackOutputs = {
    project: "demo",
    region: "asia-east1",
    services: {
      hello: {
        url: "https://hello-abc-de.a.run.app",
        ingress: "all",
        audiences: ["https://hello-abc-de.a.run.app"],
        serviceAccountEmail: "hello-run@demo.iam.gserviceaccount.com",
        image,
        invokers: [...invokers].sort(),
        invokerMode: "authoritative",
        invokerRole: "roles/run.invoker",
        smokeTest: buildServiceSmokeTest({ name: "hello", url: "https://hello-abc-de.a.run.app", customAudiences: [], path: "/health/", invokers, ingress: "all" }),
      },
    },
    jobs: options.withJob
      ? {
          nightly: {
            audiences: [],
            serviceAccountEmail: "nightly-run@demo.iam.gserviceaccount.com",
            image,
            invokers: ["serviceAccount:hello-run@demo.iam.gserviceaccount.com"],
            invokerMode: "additive",
            invokerRole: "roles/run.invoker",
            smokeTest: buildJobSmokeTest({ name: "nightly", project: "demo", region: "asia-east1" }),
          },
        }
      : {},
  };
  const recorded = resources.map(withStack);
  publish(recorded, "hello", "hello-service", "hello-sa", outputs.services.hello);
  if (options.withJob) publish(recorded, "nightly", "nightly-job", "nightly-sa", outputs.jobs.nightly);
  return { project: "private-cloud-run", stack, resources: recorded, outputs: outputs as unknown as Record<string, unknown> };
}

/** What a PrivateService/PrivateJob registers as its outputs (contract/components.ts), as the recorder keeps it. */
function publish(resources: RegisteredResource[], component: string, cloudRun: string, account: string, outputs: unknown): void {
  const urnOf = (name: string) => resources.find((r) => r.name === name && !r.component)!.urn;
  resources.find((r) => r.name === component && r.component)!.outputs = {
    name: component,
    cloudRun: urnOf(cloudRun),
    runtimeServiceAccount: urnOf(account),
    outputs: outputs as Record<string, unknown>,
  };
}
