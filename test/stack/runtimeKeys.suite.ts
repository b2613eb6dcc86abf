/**
 * What a workload runs with (env, secrets, resources, scaling, concurrency,
 * timeout, labels, vpc): every wrong value refused with its path, the value and
 * the fix, nothing registered; the values that pass become exactly these settings.
 */
import { parseStackConfig } from "../../config";
import type { StackConfig } from "../../contract";
import { captureConfigError, expectRefusedBeforeRegistering } from "../support/configHarness";

const base: StackConfig = { "gcp:project": "my-gcp-project", "gcp:region": "asia-east1" };
const svc = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:services": [{ name: "hello", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const job = (extra: Record<string, unknown>) => ({ ...base, "private-cloud-run:jobs": [{ name: "nightly", source: "./app", invokers: ["user:a@example.com"], ...extra }] });
const S = "private-cloud-run:services[0]";
const J = "private-cloud-run:jobs[0]";

/** [description, config, path, value, message fragment] */
const BAD: [string, StackConfig, string, unknown, RegExp][] = [
  // env: names Cloud Run owns, names that reroute credentials, values YAML did not read as strings
  ["PORT, which Cloud Run sets", svc({ env: { PORT: "9090" } }), `${S}.env.PORT`, "9090", /names PORT, which Cloud Run sets itself in every container; choose another name/],
  ["K_SERVICE", svc({ env: { K_SERVICE: "x" } }), `${S}.env.K_SERVICE`, "x", /Cloud Run sets itself/],
  ["CLOUD_RUN_TASK_INDEX on a job", job({ env: { CLOUD_RUN_TASK_INDEX: "0" } }), `${J}.env.CLOUD_RUN_TASK_INDEX`, "0", /Cloud Run sets itself/],
  ["the reserved X_GOOGLE_ prefix", svc({ env: { X_GOOGLE_FOO: "1" } }), `${S}.env.X_GOOGLE_FOO`, "1", /X_GOOGLE_ prefix is reserved by Cloud Run/],
  ["a name starting with a digit", svc({ env: { "1X": "a" } }), `${S}.env.1X`, "a", /not an environment variable name; use letters, digits and _/],
  ["a name with a dash", svc({ env: { "MY-VAR": "a" } }), `${S}.env.MY-VAR`, "a", /not an environment variable name/],
  ["HTTPS_PROXY, which would route token responses through another host", svc({ env: { HTTPS_PROXY: "http://proxy.example.com:3128" } }), `${S}.env.HTTPS_PROXY`, "http://proxy.example.com:3128", /changes where the workload's Google credentials come from or which host sees them; this stack does not set it/],
  ["http_proxy in lower case", job({ env: { http_proxy: "http://p.example.com" } }), `${J}.env.http_proxy`, "http://p.example.com", /Google credentials/],
  ["GOOGLE_APPLICATION_CREDENTIALS", svc({ env: { GOOGLE_APPLICATION_CREDENTIALS: "/key.json" } }), `${S}.env.GOOGLE_APPLICATION_CREDENTIALS`, "/key.json", /already runs as its own service account/],
  ["GCE_METADATA_HOST", svc({ env: { GCE_METADATA_HOST: "evil.example.com" } }), `${S}.env.GCE_METADATA_HOST`, "evil.example.com", /Google credentials/],
  ["GCE_METADATA_ROOT, the old name Google's Python auth library still reads for the metadata host", svc({ env: { GCE_METADATA_ROOT: "evil.example.com" } }), `${S}.env.GCE_METADATA_ROOT`, "evil.example.com", /Google credentials/],
  ["NODE_TLS_REJECT_UNAUTHORIZED, which turns off certificate checks of every https request the app makes", job({ env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" } }), `${J}.env.NODE_TLS_REJECT_UNAUTHORIZED`, "0", /turns off TLS certificate checks.*any host on the way/],
  ["a number YAML read unquoted", svc({ env: { WORKERS: 8080 } }), `${S}.env.WORKERS`, 8080, /is a number; environment values are strings: quote it, "8080"/],
  ["a boolean YAML read from `on`", svc({ env: { FEATURE: true } }), `${S}.env.FEATURE`, true, /is a boolean; environment values are strings: quote it, "true"/],
  ["a null value", svc({ env: { EMPTY: null } }), `${S}.env.EMPTY`, null, /is empty \(null in YAML\); write ""/],
  ["env as a list", svc({ env: ["A=1"] }), `${S}.env`, ["A=1"], /must be a mapping of NAME: value/],
  // secrets: only ids of this project's secrets, versions that exist
  ["another project's secret", svc({ secrets: { DB: "projects/other-project/secrets/db" } }), `${S}.secrets.DB`, "projects/other-project/secrets/db", /is a secret path; write the secret's id alone \(db\)\. Secrets are read from this stack's own project .*\(other-project\)/],
  ["a path to this project's secret", svc({ secrets: { DB: "projects/my-gcp-project/secrets/db:2" } }), `${S}.secrets.DB`, "projects/my-gcp-project/secrets/db:2", /write the secret's id alone \(db\)/],
  ["version 0", svc({ secrets: { DB: "db:0" } }), `${S}.secrets.DB`, "db:0", /has version "0"; a version is a positive whole number \(1, 2, …\) or latest/],
  ["a named version", job({ secrets: { DB: "db:v1" } }), `${J}.secrets.DB`, "db:v1", /has version "v1"/],
  ["a secret id with a space", svc({ secrets: { DB: "db password" } }), `${S}.secrets.DB`, "db password", /not a Secret Manager secret id/],
  ["a secret given as a number", svc({ secrets: { DB: 3 } }), `${S}.secrets.DB`, 3, /must be a secret id, optionally with :VERSION/],
  ["a secret named like a reserved variable", svc({ secrets: { PORT: "db" } }), `${S}.secrets.PORT`, "db", /Cloud Run sets itself/],
  ["a name under both env and secrets", svc({ env: { DB_PASSWORD: "x" }, secrets: { DB_PASSWORD: "db" } }), `${S}.secrets.DB_PASSWORD`, "db", /names DB_PASSWORD, which env sets too; a variable has one value/],
  // resources: Cloud Run's CPU and memory table
  ["3 CPUs", svc({ resources: { cpu: 3 } }), `${S}.resources.cpu`, 3, /is not a CPU count Cloud Run offers; use 1, 2, 4, 6, 8, or a fraction from 0.08 to 1/],
  ["millicores", svc({ resources: { cpu: "500m" } }), `${S}.resources.cpu`, "500m", /is not a number of CPUs; write e\.g\. 2 or 0\.5 \(not millicores\)/],
  ["0.05 CPU", svc({ resources: { cpu: 0.05 } }), `${S}.resources.cpu`, 0.05, /under Cloud Run's minimum of 0\.08 CPU/],
  ["a CPU fraction finer than 0.001", svc({ resources: { cpu: 0.1234 } }), `${S}.resources.cpu`, 0.1234, /steps of 0\.001/],
  ["a fractional CPU on a job", job({ resources: { cpu: 0.5 } }), `${J}.resources.cpu`, 0.5, /under 1 CPU, which a Cloud Run job only gets with sidecar containers/],
  ["memory in decimal units", svc({ resources: { memory: "512M" } }), `${S}.resources.memory`, "512M", /whole number of Mi or Gi, e\.g\. 512Mi or 2Gi \(not M, G or GB\)/],
  ["memory as a bare number", svc({ resources: { memory: 512 } }), `${S}.resources.memory`, 512, /must be a size with a unit/],
  ["64Mi", svc({ resources: { memory: "64Mi" } }), `${S}.resources.memory`, "64Mi", /use 128Mi to 32Gi/],
  ["33Gi", job({ resources: { memory: "33Gi" } }), `${J}.resources.memory`, "33Gi", /use 128Mi to 32Gi/],
  ["8Gi with the default 1 CPU", svc({ resources: { memory: "8Gi" } }), `${S}.resources.memory`, "8Gi", /needs at least 2 CPUs \(Cloud Run: over 4Gi needs 2/],
  ["25Gi with 6 CPUs", job({ resources: { cpu: 6, memory: "25Gi" } }), `${J}.resources.memory`, "25Gi", /needs 8 CPUs/],
  ["4 CPUs with 1Gi", svc({ resources: { cpu: 4, memory: "1Gi" } }), `${S}.resources.cpu`, 4, /needs at least 2Gi of memory/],
  ["8 CPUs with the default 512Mi", job({ resources: { cpu: 8 } }), `${J}.resources.cpu`, 8, /needs at least 4Gi of memory/],
  ["0.25 CPU with 1Gi", svc({ resources: { cpu: 0.25, memory: "1Gi" } }), `${S}.resources.memory`, "1Gi", /more than 512Mi, which needs at least 0\.5 CPU/],
  ["0.5 CPU with 2Gi", svc({ resources: { cpu: 0.5, memory: "2Gi" } }), `${S}.resources.memory`, "2Gi", /more than 1Gi, which needs at least 1 CPU/],
  ["0.5 CPU with concurrency 80", svc({ resources: { cpu: 0.5 }, concurrency: 80 }), `${S}.concurrency`, 80, /must be 1 under 1 CPU/],
  ["0.5 CPU with CPU always allocated", svc({ resources: { cpu: 0.5, cpuIdle: false } }), `${S}.resources.cpuIdle`, false, /under 1 CPU Cloud Run gives CPU only while serving requests/],
  ["cpuIdle on a job", job({ resources: { cpuIdle: true } }), `${J}.resources.cpuIdle`, true, /is a service setting; a job's task always has its CPU/],
  ["a typo inside resources", svc({ resources: { cpus: 2 } }), `${S}.resources.cpus`, 2, /did you mean cpu\? Service resources takes cpu, memory, cpuIdle, startupCpuBoost/],
  ["resources as a string", svc({ resources: "2Gi" }), `${S}.resources`, "2Gi", /must be a mapping; write e\.g\. \{cpu: 2, memory: 1Gi\}/],
  // scaling, concurrency, request timeout (services)
  ["a negative minimum", svc({ scaling: { min: -1 } }), `${S}.scaling.min`, -1, /must be 0 or more/],
  ["a maximum of 0", svc({ scaling: { max: 0 } }), `${S}.scaling.max`, 0, /must be at least 1/],
  ["min above max", svc({ scaling: { min: 5, max: 2 } }), `${S}.scaling.min`, 5, /is above scaling\.max \(2\)/],
  ["min above the default max", svc({ scaling: { min: 150 } }), `${S}.scaling.min`, 150, /above the default maximum of 100 instances; set scaling\.max too/],
  ["scaling on a job", job({ scaling: { min: 1 } }), `${J}.scaling`, { min: 1 }, /is a service setting; a job runs tasks/],
  ["concurrency 0", svc({ concurrency: 0 }), `${S}.concurrency`, 0, /must be at least 1/],
  ["concurrency 1001", svc({ concurrency: 1001 }), `${S}.concurrency`, 1001, /at most 1000/],
  ["concurrency on a job", job({ concurrency: 1 }), `${J}.concurrency`, 1, /a job's task serves no requests/],
  ["a request timeout of 0s", svc({ timeout: "0s" }), `${S}.timeout`, "0s", /request timeout range; use 1s to 3600s/],
  ["a request timeout of 2h", svc({ timeout: "2h" }), `${S}.timeout`, "2h", /request timeout range/],
  // labels
  ["an upper-case label key", svc({ labels: { Team: "payments" } }), `${S}.labels.Team`, "payments", /has the key "Team", which GCP refuses/],
  ["a namespaced label key", svc({ labels: { "run.googleapis.com/ingress": "all" } }), `${S}.labels.run.googleapis.com/ingress`, "all", /which GCP refuses/],
  ["an upper-case label value", job({ labels: { team: "Payments" } }), `${J}.labels.team`, "Payments", /not a label value GCP accepts/],
  ["a label value with a slash", svc({ labels: { url: "https://x" } }), `${S}.labels.url`, "https://x", /not a label value GCP accepts/],
  ["a number as a label value", svc({ labels: { version: 2 } }), `${S}.labels.version`, 2, /is a number; label values are strings: quote it, "2"/],
  // vpc
  ["a vpc without network or subnetwork", svc({ vpc: { egress: "all-traffic" } }), `${S}.vpc`, { egress: "all-traffic" }, /names neither a network nor a subnetwork/],
  ["a network given as a URL", svc({ vpc: { network: "https://www.googleapis.com/compute/v1/projects/p/global/networks/default" } }), `${S}.vpc.network`, "https://www.googleapis.com/compute/v1/projects/p/global/networks/default", /not a URL/],
  ["a subnetwork in another region", svc({ vpc: { subnetwork: "projects/host-project/regions/us-central1/subnetworks/run" } }), `${S}.vpc.subnetwork`, "projects/host-project/regions/us-central1/subnetworks/run", /is in us-central1, but the stack's workloads run in asia-east1/],
  ["an unknown egress", job({ vpc: { network: "default", egress: "all" } }), `${J}.vpc.egress`, "all", /use private-ranges-only or all-traffic/],
  ["a connector instead of Direct VPC egress", svc({ vpc: { connector: "c" } }), `${S}.vpc.connector`, "c", /service vpc takes network, subnetwork, egress/],
];

describe("runtime keys: wrong values are refused with path, value and fix, and nothing is registered", () => {
  test.each(BAD)("%s", (_label, config, path, value, message) => expectRefusedBeforeRegistering(config, path, value, message));

  test("cross-key rules are still reported when another key of the workload is wrong (every problem at once)", () => {
    const config = svc({ port: 0, env: { A: "1" }, secrets: { A: "a" }, resources: { memory: "8Gi" } });
    expect(captureConfigError(() => parseStackConfig(config)).problems.map((p) => p.path)).toEqual([`${S}.port`, `${S}.resources.memory`, `${S}.secrets.A`]);
  });
});

describe("runtime keys: accepted values become settings", () => {
  test("a service with every runtime key", () => {
    const settings = parseStackConfig(
      svc({
        env: { LOG_LEVEL: "info", EMPTY: "" },
        secrets: { DB_PASSWORD: "db-password", API_KEY: "api-key:3" },
        resources: { cpu: 2, memory: "2Gi", cpuIdle: false, startupCpuBoost: true },
        scaling: { min: 1, max: 5 },
        concurrency: 40,
        timeout: "2m",
        labels: { team: "payments", tier: "" },
        vpc: { network: "projects/host-project/global/networks/shared", subnetwork: "projects/host-project/regions/asia-east1/subnetworks/run", egress: "all-traffic" },
      }),
    ).services[0];
    expect(settings).toMatchObject({
      env: { LOG_LEVEL: "info", EMPTY: "" },
      secrets: { DB_PASSWORD: { secret: "db-password", version: "latest" }, API_KEY: { secret: "api-key", version: "3" } },
      resources: { cpu: "2", memory: "2Gi" },
      cpuIdle: false,
      startupCpuBoost: true,
      scaling: { min: 1, max: 5 },
      concurrency: 40,
      timeout: "120s",
      labels: { team: "payments", tier: "" },
      vpc: { network: "projects/host-project/global/networks/shared", subnetwork: "projects/host-project/regions/asia-east1/subnetworks/run", egress: "all-traffic" },
    });
  });

  test("under 1 CPU a service defaults to concurrency 1; a fractional CPU is written as the API takes it", () => {
    const settings = parseStackConfig(svc({ resources: { cpu: "0.5" } })).services[0];
    expect([settings.resources.cpu, settings.concurrency]).toEqual(["0.5", 1]);
  });

  test("a vpc without egress gets private-ranges-only; a job takes resources without the service-only keys", () => {
    const settings = parseStackConfig(job({ vpc: { subnetwork: "default" }, resources: { cpu: 4, memory: "2Gi" } })).jobs[0];
    expect([settings.vpc, settings.resources]).toEqual([{ subnetwork: "default", egress: "private-ranges-only" }, { cpu: "4", memory: "2Gi" }]);
  });
});
