/**
 * Deterministic mocks for the offline evaluation: every ID and computed output
 * is derived from names and inputs, so two runs on the same config give the
 * same result, and a change shows up exactly where it would in a real deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TYPES } from "../contract";
import { standInDigest } from "./standInDigest";

type Inputs = Record<string, unknown>;

function sha256(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Cloud Run's per-region code in run.app hostnames (…-de.a.run.app for asia-east1). */
const RUN_APP_REGION_CODES: Record<string, string> = {
  "asia-east1": "de",
  "asia-northeast1": "an",
  "europe-west1": "ew",
  "us-central1": "uc",
  "us-east1": "ue",
};

/** A fake numeric id, stable for the same text. */
function numericId(text: string, digits = 21): string {
  return BigInt(`0x${sha256(text).slice(0, 24)}`).toString().padStart(digits, "1").slice(0, digits);
}

/** UUID-shaped id from the inputs that force replacement: same name/location/project → same uid. */
function uidFrom(...parts: unknown[]): string {
  const h = sha256(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Directories never sent to a build here (and excluded from the context hash). */
const ALWAYS_SKIPPED = new Set([".git", "node_modules"]);

/** Converts a .dockerignore pattern to a RegExp on slash-separated relative paths (`*`, `**`, `?`). */
function dockerignorePattern(pattern: string): RegExp {
  const trimmed = pattern.replace(/^\/+|\/+$/g, "");
  const body = trimmed
    .split("")
    .map((c, i, all) => {
      if (c === "*") return all[i + 1] === "*" ? "" : all[i - 1] === "*" ? ".*" : "[^/]*";
      if (c === "?") return "[^/]";
      return c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${body}(?:/.*)?$`);
}

function readDockerignore(dir: string): RegExp[] {
  const file = path.join(dir, ".dockerignore");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("!"))
    .map(dockerignorePattern);
}

/**
 * Hash of a build context: every file's relative path and content, in a
 * stable order, honouring .dockerignore. Same source → same hash.
 */
export function hashBuildContext(dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`build context ${dir} does not exist or is not a directory; fix "source" in the stack config`);
  }
  const ignored = readDockerignore(dir);
  const hash = createHash("sha256");
  const walk = (relative: string): void => {
    const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      // The Dockerfile shapes the image even when .dockerignore lists it (BuildKit still reads it).
      const isDockerfile = rel === "Dockerfile";
      if (ALWAYS_SKIPPED.has(entry.name) || (!isDockerfile && ignored.some((re) => re.test(rel)))) continue;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(dir, rel))).update("\0");
    }
  };
  walk("");
  return hash.digest("hex");
}

/** What the mocks need to know about the evaluation. */
export interface MockContext {
  /** Directory relative build contexts are resolved against (the Pulumi project directory). */
  rootDir: string;
  /** gcp:project of the stack (used by the provider-level getClientConfig call). */
  project: string;
  region: string;
  stack: string;
}

/** Builds the Pulumi mocks for one evaluation. */
export function createMocks(ctx: MockContext): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Inputs } {
      if (!args.custom) return { id: undefined, state: {} };
      const inputs = unwrapSecrets(args.inputs) as Inputs;
      const computed = computeOutputs(args.type, args.name, inputs, ctx);
      return { id: computed.id, state: { ...inputs, ...computed.state } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      if (args.token === "gcp:organizations/getClientConfig:getClientConfig") {
        return {
          id: `projects/${ctx.project}/regions/${ctx.region}/zones/${ctx.region}-a`,
          project: ctx.project,
          region: ctx.region,
          zone: `${ctx.region}-a`,
          defaultLabels: {},
          // Fake, but shaped like a real one so leak checks can look for "ya29.". The same
          // for every stack: a per-stack value made every offline --diff report a change
          // in the image's (secret) registry password, which a reviewer cannot act on.
          accessToken: `ya29.mock-${sha256("offline-access-token").slice(0, 32)}`,
        };
      }
      if (args.token === GET_REGISTRY_IMAGE) {
        // No registry offline: a stand-in digest, derived from the reference (a moved tag
        // cannot be seen here; the plan labels it as a stand-in).
        const name = String((args.inputs as { name?: unknown }).name);
        return { id: name, name, sha256Digest: standInDigest(name), insecureSkipVerify: false };
      }
      throw new Error(`offline mocks: no mock for function ${args.token}; add one in offline/mocks.ts`);
    },
  };
}

/** @pulumi/docker's invoke that reads a tag's digest from its registry. */
const GET_REGISTRY_IMAGE = "docker:index/getRegistryImage:getRegistryImage";

function computeOutputs(type: string, name: string, inputs: Inputs, ctx: MockContext): { id: string; state: Inputs } {
  const project = (inputs.project as string | undefined) ?? ctx.project;
  const location = (inputs.location as string | undefined) ?? ctx.region;
  switch (type) {
    case TYPES.api:
      return { id: `${project}/${inputs.service}`, state: {} };
    case TYPES.account: {
      const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
      return {
        id: `projects/${project}/serviceAccounts/${email}`,
        state: { email, member: `serviceAccount:${email}`, name: `projects/${project}/serviceAccounts/${email}`, uniqueId: numericId(email) },
      };
    }
    case TYPES.repository: {
      const id = `projects/${project}/locations/${location}/repositories/${inputs.repositoryId}`;
      return { id, state: { name: inputs.repositoryId, registryUri: `${location}-docker.pkg.dev/${project}/${inputs.repositoryId}` } };
    }
    case TYPES.image:
      return imageOutputs(name, inputs, ctx);
    case TYPES.service: {
      const serviceName = (inputs.name as string | undefined) ?? name;
      const uri = `https://${serviceName}-${numericId(project, 10)}-${RUN_APP_REGION_CODES[location] ?? "xx"}.a.run.app`;
      return {
        id: `projects/${project}/locations/${location}/services/${serviceName}`,
        state: { name: serviceName, uri, urls: [uri], uid: uidFrom(type, serviceName, location, project), project, location },
      };
    }
    case TYPES.job: {
      const jobName = (inputs.name as string | undefined) ?? name;
      return {
        id: `projects/${project}/locations/${location}/jobs/${jobName}`,
        state: { name: jobName, uid: uidFrom(type, jobName, location, project), project, location },
      };
    }
    default:
      if (/Iam(Binding|Member|Policy)$/.test(type)) {
        return { id: `${name}-${sha256(inputs).slice(0, 12)}`, state: { etag: `BwY${sha256(inputs).slice(0, 9)}=` } };
      }
      return { id: `${name}-id`, state: {} };
  }
}

/**
 * docker-build Image: digest = sha256 of the context's files + the platforms
 * (+ the Dockerfile named, when one is); same source and Dockerfile → same digest.
 */
function imageOutputs(name: string, inputs: Inputs, ctx: MockContext): { id: string; state: Inputs } {
  const location = String((inputs.context as { location?: string } | undefined)?.location ?? ".");
  const contextHash = hashBuildContext(path.resolve(ctx.rootDir, location));
  const platforms = (inputs.platforms as string[] | undefined) ?? [];
  const dockerfile = (inputs.dockerfile as { location?: string } | undefined)?.location;
  const digest = `sha256:${dockerfile === undefined ? sha256(contextHash, platforms) : sha256(contextHash, platforms, dockerfile, fs.readFileSync(path.resolve(ctx.rootDir, dockerfile), "utf8"))}`;
  const tags = (inputs.tags as string[] | undefined) ?? [];
  return { id: `${name}-${digest.slice(7, 19)}`, state: { contextHash, digest, ref: tags[0] ? `${tags[0]}@${digest}` : digest } };
}

/** True for Pulumi's serialized-secret wrapper. */
export function isSecretValue(value: unknown): boolean {
  return pulumi.runtime.isRpcSecret(value);
}

/** Removes Pulumi's secret wrappers, recursively. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** True if the value holds a secret anywhere inside. */
export function containsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}
