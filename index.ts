/**
 * private-cloud-run: config → components → stack outputs. Wiring only.
 * Exported as a function so Pulumi runs it per deployment and the offline
 * evaluator (offline/evaluate.ts) can run it again and again in one process.
 */
import { ArtifactImage, ArtifactRepository } from "./components/artifactImage";
import { imageNameFor, normalizeSource, prebuiltImageName } from "./components/naming";
import { PrebuiltImage } from "./components/prebuiltImage";
import { PrivateJob } from "./components/privateJob";
import { PrivateService } from "./components/privateService";
import { ProjectApis, stackApis } from "./components/projectApis";
import { RuntimeAccounts } from "./components/workload";
import type { StackOutputs } from "./contract";
import { readStackConfig } from "./config";
import { calleesFirst } from "./config/serviceUrls";
import { requirePulumiCli } from "./pulumiVersion";
import type * as pulumi from "@pulumi/pulumi";

type Outputs = Omit<StackOutputs, "services" | "jobs"> & {
  services: Record<string, pulumi.Output<StackOutputs["services"][string]>>;
  jobs: Record<string, pulumi.Output<StackOutputs["jobs"][string]>>;
};

export = async function privateCloudRun(): Promise<Outputs> {
  // An engine older than .pulumi-version stops here, with the version to install.
  await requirePulumiCli();
  // Validates everything first: an invalid config registers no resource.
  const cfg = readStackConfig();
  const { project, region } = cfg;
  const workloads = [...cfg.services, ...cfg.jobs];
  const apis = new ProjectApis("apis", {
    project,
    apis: stackApis({ secrets: workloads.some((w) => Object.keys(w.secrets).length > 0), schedules: cfg.jobs.some((j) => j.schedule !== undefined) }),
  });
  const registry = new ArtifactRepository(
    "images",
    {
      project,
      region,
      repositoryId: cfg.repository.id,
      keepRecentVersions: cfg.repository.keepRecentVersions,
      deleteUntaggedOlderThan: cfg.repository.deleteUntaggedOlderThan,
      cleanupDryRun: cfg.repository.cleanupDryRun,
      create: cfg.repository.create,
      dependsOn: apis.services,
    },
  );

  // One build per distinct (source, dockerfile), shared by every workload that uses it.
  const images = new Map<string, ArtifactImage>();
  const imageFor = ({ source, dockerfile }: { source: string; dockerfile?: string }) => {
    const key = JSON.stringify([normalizeSource(source), dockerfile === undefined ? undefined : normalizeSource(dockerfile)]);
    if (!images.has(key)) {
      // A suffix (per-PR stacks) keeps a stack's images apart from the repository owner's, whose cache it still reads.
      const baseName = imageNameFor(source, dockerfile);
      const suffix = cfg.repository.imageNameSuffix;
      const imageName = `${baseName}${suffix}`;
      images.set(key, new ArtifactImage(imageName, { repository: registry, source: normalizeSource(source), dockerfile, imageName, sharedCacheImageName: suffix ? baseName : undefined }));
    }
    return images.get(key)!.ref;
  };
  // One resolution per distinct prebuilt image, shared the same way.
  const prebuilt = new Map<string, PrebuiltImage>();
  const prebuiltFor = (image: string) => {
    if (!prebuilt.has(image)) prebuilt.set(image, new PrebuiltImage(prebuiltImageName(image), { image }));
    return prebuilt.get(image)!.ref;
  };
  // The config gives each workload exactly one of the two.
  const deployed = (w: { source?: string; dockerfile?: string; image?: string }) =>
    w.image !== undefined ? prebuiltFor(w.image) : imageFor({ source: w.source!, dockerfile: w.dockerfile });

  // Invoker IAM naming another workload (workload:NAME) waits for that workload's runtime account.
  const accounts = new RuntimeAccounts(project, [...cfg.services.map(({ name }) => ({ kind: "service" as const, name })), ...cfg.jobs.map(({ name }) => ({ kind: "job" as const, name }))]);
  const common = { project, region, dependsOn: apis.services };
  // A service holding another's URL (serviceUrls) is created after it, from its `url` output.
  const created = new Map<string, PrivateService>();
  const urlEnv = (serviceUrls: Record<string, string>) => Object.fromEntries(Object.entries(serviceUrls).map(([env, callee]) => [env, created.get(callee)!.service.uri]));
  for (const s of calleesFirst(cfg.services)) {
    const service = new PrivateService(s.name, { ...s, ...common, image: deployed(s), imageReference: s.image, urlEnv: urlEnv(s.serviceUrls), invokerDependsOn: accounts.dependencies(s.invokers) });
    accounts.add("service", s.name, project, service.serviceAccount);
    created.set(s.name, service);
  }
  const services = cfg.services.map((s) => created.get(s.name)!);
  const jobs = cfg.jobs.map((j) => {
    const job = new PrivateJob(j.name, { ...j, ...common, image: deployed(j), imageReference: j.image, urlEnv: urlEnv(j.serviceUrls), invokerDependsOn: accounts.dependencies(j.invokers) });
    accounts.add("job", j.name, project, job.serviceAccount);
    return job;
  });

  return {
    project,
    region,
    services: Object.fromEntries(services.map((s, i) => [cfg.services[i].name, s.outputs])),
    jobs: Object.fromEntries(jobs.map((j, i) => [cfg.jobs[i].name, j.outputs])),
  };
};
