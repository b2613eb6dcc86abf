/**
 * The keys that say what a workload runs with: `env`, `secrets`, `resources`,
 * `labels`, `vpc`, and a service's `scaling`, `concurrency` and request
 * `timeout`. Each check names the fix; rules that tie two keys together (memory
 * needs CPUs, a name in both env and secrets…) are in crossChecks.ts, so they
 * are reported even when another key of the same workload is wrong.
 */
import { z } from "zod";
import { isMapping, VPC_EGRESS, type PathStep, type SecretReference, type VpcEgress } from "../contract";

/**
 * A key checked by a plain function: it returns the normalized value, or reports
 * problems (a path relative to the key, and the fix) through `report`.
 */
type Check<T> = (value: unknown, report: (message: string, path?: PathStep[]) => void) => T;

export function checked<T>(check: Check<T>) {
  return z.unknown().transform((value, ctx): T => {
    let failed = false;
    const result = check(value, (message, path = []) => {
      failed = true;
      ctx.addIssue({ code: "custom", path, message, input: value });
    });
    return failed ? z.NEVER : result;
  });
}


/** How a YAML scalar that is not a string reads in a "quote it" hint: 8080 → "8080". */
function quoted(value: unknown): string {
  return JSON.stringify(String(value));
}

/** Environment variable names: a C identifier (Cloud Run's rule, and what a shell can read). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names Cloud Run sets in every container (the container runtime contract): it refuses them. */
export const CLOUD_RUN_RESERVED_ENV: ReadonlySet<string> = new Set([
  "PORT",
  "K_SERVICE",
  "K_REVISION",
  "K_CONFIGURATION",
  "CLOUD_RUN_JOB",
  "CLOUD_RUN_EXECUTION",
  "CLOUD_RUN_TASK_INDEX",
  "CLOUD_RUN_TASK_ATTEMPT",
  "CLOUD_RUN_TASK_COUNT",
]);

/**
 * Names that decide where the workload's Google credentials come from or which
 * host sees them: a key file instead of the runtime account, another metadata
 * server, or a proxy that Google's Node.js libraries also use for the metadata
 * server's plain-HTTP token responses. Refused in any letter case: a one-line
 * config change must not hand the workload's tokens to a host of its choice.
 */
export const CREDENTIAL_ROUTING_ENV: ReadonlySet<string> = new Set([
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GCE_METADATA_HOST",
  // The old name of GCE_METADATA_HOST, still read by Google's Python auth library.
  "GCE_METADATA_ROOT",
  "GCE_METADATA_IP",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
]);

/** Cloud Run's limits: variables per container, characters per value. */
const MAX_ENV_VARS = 1000;
const MAX_ENV_VALUE = 32768;

/** Why `name` cannot be an environment variable of a workload, or undefined. Phrased to follow the key path. */
export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return `names ${JSON.stringify(name)}, which is not an environment variable name; use letters, digits and _, not starting with a digit (e.g. DB_HOST)`;
  if (CLOUD_RUN_RESERVED_ENV.has(name)) return `names ${name}, which Cloud Run sets itself in every container; choose another name`;
  if (name.startsWith("X_GOOGLE_")) return `names ${name}: the X_GOOGLE_ prefix is reserved by Cloud Run; choose another name`;
  if (name === "NODE_TLS_REJECT_UNAUTHORIZED") {
    return (
      `names ${name}, which turns off TLS certificate checks of every https request a Node.js app makes, so any host on the way could read the Google access tokens it sends; ` +
      `this stack does not set it. If the app talks to a host with a private CA, give the image that CA (NODE_EXTRA_CA_CERTS) instead`
    );
  }
  if (CREDENTIAL_ROUTING_ENV.has(name.toUpperCase())) {
    return (
      `names ${name}, which changes where the workload's Google credentials come from or which host sees them; ` +
      `this stack does not set it. The workload already runs as its own service account; if the app needs a proxy, set it in the image with NO_PROXY=metadata.google.internal,169.254.169.254`
    );
  }
  return undefined;
}

/** `env: {NAME: value}`: names checked, values strings (YAML's numbers and booleans quoted back with a hint). */
export const envSchema = checked<Record<string, string>>((value, report) => {
  if (!isMapping(value)) {
    report("must be a mapping of NAME: value; write e.g. {LOG_LEVEL: info}");
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_ENV_VARS) report(`has ${entries.length} variables; Cloud Run takes at most ${MAX_ENV_VARS} per container`);
  const env: Record<string, string> = {};
  for (const [name, raw] of entries) {
    const nameProblem = envNameProblem(name);
    if (nameProblem) report(nameProblem, [name]);
    if (typeof raw === "number" || typeof raw === "boolean") report(`is a ${typeof raw}; environment values are strings: quote it, ${quoted(raw)}`, [name]);
    else if (raw === null) report(`is empty (null in YAML); write "" for an empty value, or remove the entry`, [name]);
    else if (typeof raw !== "string") report(`must be a string; write the value on one line, e.g. info`, [name]);
    else if (raw.length > MAX_ENV_VALUE) report(`is ${raw.length} characters long; Cloud Run takes at most ${MAX_ENV_VALUE}`, [name]);
    else env[name] = raw;
  }
  return env;
});

/** Secret Manager's rule for a secret id. */
export const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_PATH = /^projects\/([^/]+)\/secrets\/([^/:]+)/;

/**
 * "db-password" or "db-password:3" → {secret, version}; a problem otherwise. A
 * path (`projects/P/secrets/S`) is refused: the stack reads secrets from its own
 * project only, where its deploy account may grant access and nothing else.
 */
export function parseSecretReference(text: unknown, defaultVersion: string): SecretReference | { problem: string } {
  if (typeof text !== "string") return { problem: "must be a secret id, optionally with :VERSION; write e.g. db-password or db-password:3" };
  const path = SECRET_PATH.exec(text);
  if (path) {
    return {
      problem:
        `is a secret path; write the secret's id alone (${path[2]}). Secrets are read from this stack's own project (gcp:project) only: ` +
        `a grant on another project's secret (${path[1]}) would reach outside what the stack manages. Create or replicate the secret in this project`,
    };
  }
  const colon = text.lastIndexOf(":");
  const [secret, version] = colon === -1 ? [text, defaultVersion] : [text.slice(0, colon), text.slice(colon + 1)];
  if (!SECRET_ID.test(secret)) {
    return { problem: "is not a Secret Manager secret id; use letters, digits, _ and -, at most 255 characters, optionally followed by :VERSION (e.g. db-password:3)" };
  }
  if (version !== "latest" && !/^[1-9][0-9]*$/.test(version)) {
    return { problem: `has version ${JSON.stringify(version)}; a version is a positive whole number (1, 2, …) or latest` };
  }
  return { secret, version };
}

/** `secrets: {NAME: "secret-id[:VERSION]"}`. */
export const secretsSchema = (defaultVersion: string) =>
  checked<Record<string, SecretReference>>((value, report) => {
    if (!isMapping(value)) {
      report("must be a mapping of NAME: secret-id; write e.g. {DB_PASSWORD: db-password}");
      return {};
    }
    const secrets: Record<string, SecretReference> = {};
    for (const [name, raw] of Object.entries(value)) {
      const nameProblem = envNameProblem(name);
      if (nameProblem) report(nameProblem, [name]);
      const parsed = parseSecretReference(raw, defaultVersion);
      if ("problem" in parsed) report(parsed.problem, [name]);
      else secrets[name] = parsed;
    }
    return secrets;
  });

/** GCP label rules (resource-manager/docs/labels-overview), ASCII only. */
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const MAX_LABELS = 64;

/** `labels: {key: value}`. */
export const labelsSchema = checked<Record<string, string>>((value, report) => {
  if (!isMapping(value)) {
    report("must be a mapping of key: value; write e.g. {team: payments}");
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) report(`has ${entries.length} labels; a resource takes at most ${MAX_LABELS}`);
  const labels: Record<string, string> = {};
  for (const [key, raw] of entries) {
    if (!LABEL_KEY.test(key)) {
      report(`has the key ${JSON.stringify(key)}, which GCP refuses; a label key starts with a lowercase letter and holds lowercase letters, digits, _ and -, at most 63 characters`, [key]);
    }
    if (typeof raw === "number" || typeof raw === "boolean") report(`is a ${typeof raw}; label values are strings: quote it, ${quoted(raw)}`, [key]);
    else if (typeof raw !== "string" || !LABEL_VALUE.test(raw)) {
      report("is not a label value GCP accepts; use lowercase letters, digits, _ and -, at most 63 characters (or \"\")", [key]);
    } else labels[key] = raw;
  }
  return labels;
});

/** Whole CPUs Cloud Run offers above 1 (configuring/services/cpu). */
export const WHOLE_CPUS: readonly number[] = [1, 2, 4, 6, 8];
const MIN_FRACTIONAL_CPU = 0.08;

/** `resources.cpu`: a number (or a numeric string), as the API writes it ("2", "0.5"). Jobs take whole CPUs only. */
const cpuSchema = (kind: "service" | "job") =>
  checked<string>((value, report) => {
    const cpu = typeof value === "number" ? value : typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isNaN(cpu)) {
      report(`is not a number of CPUs; write e.g. 2${kind === "service" ? " or 0.5" : ""} (not millicores)`);
      return "";
    }
    if (cpu >= 1 && !WHOLE_CPUS.includes(cpu)) report(`is not a CPU count Cloud Run offers; use ${WHOLE_CPUS.join(", ")}${kind === "service" ? ", or a fraction from 0.08 to 1" : ""}`);
    else if (cpu < 1 && kind === "job") report(`is under 1 CPU, which a Cloud Run job only gets with sidecar containers (not made here); use ${WHOLE_CPUS.join(", ")}`);
    else if (cpu < MIN_FRACTIONAL_CPU) report("is under Cloud Run's minimum of 0.08 CPU");
    else if (cpu < 1 && !/^0\.\d{1,3}$/.test(String(cpu))) report("has more than 3 decimals; Cloud Run takes fractions of a CPU in steps of 0.001");
    return String(cpu);
  });

/** Memory sizes this stack accepts: whole Mi or Gi (binary units, as Cloud Run writes them). */
const MEMORY = /^([1-9][0-9]*)(Mi|Gi)$/;
const MIN_MEMORY_MIB = 128;
const MAX_MEMORY_MIB = 32 * 1024;

/** "2Gi" → 2048; NaN for anything else. */
export function memoryMiB(memory: string): number {
  const match = MEMORY.exec(memory);
  return match ? Number(match[1]) * (match[2] === "Gi" ? 1024 : 1) : Number.NaN;
}

const memorySchema = checked<string>((value, report) => {
  if (typeof value !== "string") {
    report("must be a size with a unit; write e.g. 512Mi or 2Gi");
    return "";
  }
  const mib = memoryMiB(value);
  if (Number.isNaN(mib)) report("is not a memory size this stack reads; write a whole number of Mi or Gi, e.g. 512Mi or 2Gi (not M, G or GB)");
  else if (mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) report("is outside Cloud Run's range; use 128Mi to 32Gi");
  return value;
});

const flag = z.boolean({ error: "must be true or false" });

const resourcesError = { error: (issue: { code?: string }) => (issue.code === "invalid_type" ? "must be a mapping; write e.g. {cpu: 2, memory: 1Gi}" : undefined) };

/** A service's `resources`: cpu and memory, when it has CPU (cpuIdle) and whether it starts with more. */
export const serviceResourcesSchema = z.strictObject(
  { cpu: cpuSchema("service").optional(), memory: memorySchema.optional(), cpuIdle: flag.optional(), startupCpuBoost: flag.optional() },
  resourcesError,
);

/** A job's `resources`: cpu and memory (a job's task always has its CPU). */
export const jobResourcesSchema = z.strictObject({ cpu: cpuSchema("job").optional(), memory: memorySchema.optional() }, resourcesError);

const count = (what: string, example: number) =>
  z.number({ error: `must be a number; write e.g. ${example}` }).int({ error: `must be a whole number of ${what}` });

/** `scaling: {min, max}` of a service: instance counts (min ≤ max is checked in crossChecks.ts, against the defaults too). */
export const scalingSchema = z.strictObject(
  {
    min: count("instances", 1).min(0, { error: "must be 0 or more" }).optional(),
    max: count("instances", 10).min(1, { error: "must be at least 1; a service that may never start serves nothing" }).optional(),
  },
  { error: (issue) => (issue.code === "invalid_type" ? "must be a mapping; write e.g. {min: 1, max: 10}" : undefined) },
);

/** `concurrency`: requests one instance serves at once (configuring/concurrency). */
export const concurrencySchema = count("requests", 80)
  .min(1, { error: "must be at least 1" })
  .max(1000, { error: "must be at most 1000 (Cloud Run's limit)" });

/** Compute Engine resource names: networks, subnetworks. */
const GCE_NAME = "[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?";
const PROJECT_ID = "[a-z][-a-z0-9]{4,28}[a-z0-9]";
const NETWORK = new RegExp(`^(?:${GCE_NAME}|projects/${PROJECT_ID}/global/networks/${GCE_NAME})$`);
const SUBNETWORK = new RegExp(`^(?:${GCE_NAME}|projects/${PROJECT_ID}/regions/[a-z]+-[a-z]+\\d+/subnetworks/${GCE_NAME})$`);
/** The region inside a subnetwork path, for the same-region check. */
export const SUBNETWORK_REGION = /^projects\/[^/]+\/regions\/([^/]+)\/subnetworks\//;

/** `vpc: {network, subnetwork, egress}`: Direct VPC egress, one interface. */
export const vpcSchema = z
  .strictObject(
    {
      network: z
        .string({ error: "must be a string; write the network's name, e.g. default" })
        .regex(NETWORK, { error: "is not a VPC network this stack reads; write its name (e.g. default) or projects/HOST_PROJECT/global/networks/NAME for a Shared VPC, not a URL" })
        .optional(),
      subnetwork: z
        .string({ error: "must be a string; write the subnetwork's name, e.g. default" })
        .regex(SUBNETWORK, { error: "is not a subnetwork this stack reads; write its name (e.g. default) or projects/HOST_PROJECT/regions/REGION/subnetworks/NAME, not a URL" })
        .optional(),
      egress: z
        .enum(Object.keys(VPC_EGRESS) as [VpcEgress, ...VpcEgress[]], { error: `is not an egress setting; use ${Object.keys(VPC_EGRESS).join(" or ")}` })
        .optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "must be a mapping; write e.g. {network: default, subnetwork: default, egress: all-traffic}" : undefined) },
  )
  .refine((vpc) => vpc.network !== undefined || vpc.subnetwork !== undefined, { error: "names neither a network nor a subnetwork; write at least one, e.g. {subnetwork: default}" });

/** The keys a mapping-valued setting takes, for "not a setting" messages one level down. */
export const NESTED_KEYS: Record<"service" | "job", Record<string, string[]>> = {
  service: { resources: Object.keys(serviceResourcesSchema.shape), scaling: Object.keys(scalingSchema.shape), vpc: ["network", "subnetwork", "egress"] },
  job: { resources: Object.keys(jobResourcesSchema.shape), vpc: ["network", "subnetwork", "egress"] },
};
