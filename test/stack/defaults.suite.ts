/**
 * Each default is defined once, by the component that applies it: the config
 * reads it from there (an empty config gets exactly those values), and the
 * Default column of docs/stack.md says the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseStackConfig, toSeconds } from "../../config";
import { REPOSITORY_DEFAULTS } from "../../components/artifactImage";
import { INVOKER_DEFAULTS } from "../../components/invokerAccess";
import { JOB_DEFAULTS } from "../../components/privateJob";
import { SERVICE_DEFAULTS } from "../../components/privateService";
import { WORKLOAD_DEFAULTS } from "../../components/workload";

/** Each documented key with a default, and the component constant that defines it. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  "Stack-level keys": {
    "private-cloud-run:deletionProtection": WORKLOAD_DEFAULTS.deletionProtection,
    "private-cloud-run:repository": REPOSITORY_DEFAULTS.repositoryId,
    "private-cloud-run:keepRecentVersions": REPOSITORY_DEFAULTS.keepRecentVersions,
    "private-cloud-run:deleteUntaggedOlderThan": REPOSITORY_DEFAULTS.deleteUntaggedOlderThan,
    "private-cloud-run:cleanupDryRun": REPOSITORY_DEFAULTS.cleanupDryRun,
    "private-cloud-run:createRepository": REPOSITORY_DEFAULTS.createRepository,
    "private-cloud-run:imageNameSuffix": REPOSITORY_DEFAULTS.imageNameSuffix,
  },
  "Service keys": {
    invokerMode: INVOKER_DEFAULTS.mode,
    invokerRole: INVOKER_DEFAULTS.role,
    ingress: SERVICE_DEFAULTS.ingress,
    smokePath: SERVICE_DEFAULTS.smokePath,
    port: SERVICE_DEFAULTS.port,
    // The API writes CPUs as a string ("1"); the docs as people write them in YAML (1).
    "resources.cpu": Number(WORKLOAD_DEFAULTS.cpu),
    "resources.memory": WORKLOAD_DEFAULTS.memory,
    "resources.cpuIdle": SERVICE_DEFAULTS.cpuIdle,
    "resources.startupCpuBoost": SERVICE_DEFAULTS.startupCpuBoost,
    "scaling.min": SERVICE_DEFAULTS.scaling.min,
    "scaling.max": SERVICE_DEFAULTS.scaling.max,
    concurrency: SERVICE_DEFAULTS.concurrency,
    timeout: SERVICE_DEFAULTS.timeout,
    "vpc.egress": WORKLOAD_DEFAULTS.vpcEgress,
  },
  "Job keys": {
    invokerRole: INVOKER_DEFAULTS.role,
    tasks: JOB_DEFAULTS.tasks,
    maxRetries: JOB_DEFAULTS.maxRetries,
    timeout: JOB_DEFAULTS.timeout,
    "resources.cpu": Number(WORKLOAD_DEFAULTS.cpu),
    "resources.memory": WORKLOAD_DEFAULTS.memory,
    timeZone: JOB_DEFAULTS.timeZone,
    smokeRun: JOB_DEFAULTS.smokeRun,
  },
};

/** The Default column of one "### <title> …" table in docs/stack.md, key → value as YAML reads it. */
function documentedDefaults(title: string): Record<string, unknown> {
  const doc = readFileSync(join(__dirname, "..", "..", "docs", "stack.md"), "utf8");
  const section = doc.slice(doc.indexOf(`### ${title}`));
  const table = section.slice(0, section.search(/\n\n(?!\|)/));
  const rows = table.split("\n").filter((line) => /^\| `[^`]+` \|/.test(line));
  return Object.fromEntries(
    rows.map((row) => {
      const [key, , value] = row.split(/(?<!\\)\|/).slice(1).map((cell) => cell.trim());
      return [key.replace(/`/g, ""), parse(value.replace(/`/g, ""))];
    }),
  );
}

/** Durations are documented as people write them ("7d"), defined as the API takes them ("604800s"). */
function comparable(value: unknown): unknown {
  return typeof value === "string" && /^\d+[smhd]$/.test(value) ? toSeconds(value) : value;
}

describe("defaults", () => {
  it.each(Object.keys(DEFAULTS))("docs/stack.md's %s table shows each component's default", (title) => {
    const documented = documentedDefaults(title);
    for (const [key, value] of Object.entries(DEFAULTS[title])) {
      expect([key, comparable(documented[key])]).toEqual([key, comparable(value)]);
    }
  });

  it("a config that sets nothing optional gets exactly the components' defaults", () => {
    const workload = { source: "./app", invokers: ["user:a@example.com"] };
    const settings = parseStackConfig({
      "gcp:project": "my-gcp-project",
      "gcp:region": "asia-east1",
      "private-cloud-run:services": [{ name: "hello", ...workload }],
      "private-cloud-run:jobs": [{ name: "nightly", ...workload }],
    });
    expect(settings.repository).toEqual({
      id: REPOSITORY_DEFAULTS.repositoryId,
      create: REPOSITORY_DEFAULTS.createRepository,
      imageNameSuffix: REPOSITORY_DEFAULTS.imageNameSuffix,
      keepRecentVersions: REPOSITORY_DEFAULTS.keepRecentVersions,
      deleteUntaggedOlderThan: REPOSITORY_DEFAULTS.deleteUntaggedOlderThan,
      cleanupDryRun: REPOSITORY_DEFAULTS.cleanupDryRun,
    });
    const common = { deletionProtection: WORKLOAD_DEFAULTS.deletionProtection, invokerMode: INVOKER_DEFAULTS.mode, invokerRole: INVOKER_DEFAULTS.role };
    const runtime = { env: {}, secrets: {}, labels: {}, resources: { cpu: WORKLOAD_DEFAULTS.cpu, memory: WORKLOAD_DEFAULTS.memory } };
    expect(settings.services[0]).toMatchObject({
      ...common,
      ...runtime,
      ingress: SERVICE_DEFAULTS.ingress,
      smokePath: SERVICE_DEFAULTS.smokePath,
      port: SERVICE_DEFAULTS.port,
      cpuIdle: SERVICE_DEFAULTS.cpuIdle,
      startupCpuBoost: SERVICE_DEFAULTS.startupCpuBoost,
      scaling: SERVICE_DEFAULTS.scaling,
      concurrency: SERVICE_DEFAULTS.concurrency,
      timeout: SERVICE_DEFAULTS.timeout,
    });
    expect(settings.services[0]).not.toHaveProperty("vpc");
    expect(settings.jobs[0]).toMatchObject({ ...common, ...runtime, tasks: JOB_DEFAULTS.tasks, maxRetries: JOB_DEFAULTS.maxRetries, timeout: JOB_DEFAULTS.timeout, smokeRun: JOB_DEFAULTS.smokeRun });
  });
});
