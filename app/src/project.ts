/**
 * Finds the Google Cloud project id for trace correlation. Cloud Run does not
 * set it in the environment, so outside an explicit `GOOGLE_CLOUD_PROJECT` the
 * app asks the metadata server, which every Cloud Run instance has.
 */
import { fetchFailureCode } from "./fetchFailure";

/** How long the metadata lookup may take before the app gives up on trace correlation. */
export const METADATA_TIMEOUT_MS = 1000;

/** Where the project id comes from, or why there is none. */
export interface ProjectIdLookup {
  projectId?: string;
  source: "env" | "metadata" | "none";
  /** Why there is no project id (no secret in it). */
  reason?: string;
}

/** The project id from the environment, if one of the usual variables holds it. */
export function projectIdFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return [env.GOOGLE_CLOUD_PROJECT, env.GCLOUD_PROJECT, env.GCP_PROJECT].map((v) => v?.trim()).find((v) => v);
}

/** True when the process runs on Cloud Run (service or job), where a metadata server exists. */
export function onCloudRun(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.K_SERVICE || env.CLOUD_RUN_JOB);
}

/**
 * Resolves the project id: environment first; then, on Cloud Run or when
 * `GCE_METADATA_HOST` points at a metadata server, the metadata server.
 * Never throws: without a project id the logs just lack trace correlation.
 */
export async function lookupProjectId(env: NodeJS.ProcessEnv = process.env): Promise<ProjectIdLookup> {
  const fromEnv = projectIdFromEnv(env);
  if (fromEnv) return { projectId: fromEnv, source: "env" };
  const host = env.GCE_METADATA_HOST?.trim() || env.GCE_METADATA_IP?.trim();
  if (!host && !onCloudRun(env)) return { source: "none", reason: "not on Cloud Run and GOOGLE_CLOUD_PROJECT is not set" };
  return fetchProjectIdFromMetadata(host || "metadata.google.internal");
}

async function fetchProjectIdFromMetadata(host: string): Promise<ProjectIdLookup> {
  try {
    const response = await fetch(`http://${host}/computeMetadata/v1/project/project-id`, {
      headers: { "Metadata-Flavor": "Google" },
      signal: AbortSignal.timeout(METADATA_TIMEOUT_MS),
    });
    const body = (await response.text()).trim();
    // A real metadata server always answers with this header; anything else is not one.
    if (response.headers.get("metadata-flavor") !== "Google") {
      return { source: "none", reason: `metadata server at ${host} did not answer with Metadata-Flavor: Google` };
    }
    if (!response.ok || !/^[a-z][a-z0-9:.-]{4,62}$/.test(body)) {
      return { source: "none", reason: `metadata server at ${host} answered HTTP ${response.status} without a project id` };
    }
    return { projectId: body, source: "metadata" };
  } catch (error) {
    return { source: "none", reason: `metadata server at ${host} unreachable: ${fetchFailureCode(error)}` };
  }
}
