/**
 * A prebuilt image reference, `REGISTRY/PATH:TAG` or `REGISTRY/PATH@sha256:DIGEST`
 * (or both), split into its parts, and which registries a workload may pull from.
 * Pure: the config checks references with it, the components resolve them.
 */

/** A reference split into its parts. */
export interface ImageReference {
  /** The registry host: "europe-docker.pkg.dev", "docker.io". */
  registry: string;
  /** Registry host and path, without tag or digest: "europe-docker.pkg.dev/p/repo/app". */
  repository: string;
  /** The tag, when written ("1.4.2"). */
  tag?: string;
  /** "sha256:<64 hex>", when written. */
  digest?: string;
}

/** Artifact Registry (`REGION-docker.pkg.dev`, multi-region `us-docker.pkg.dev`) and Container Registry hosts, served by Artifact Registry. */
const GOOGLE_REGISTRY = /^(?:[a-z][a-z0-9-]*-docker\.pkg\.dev|(?:(?:us|eu|asia)\.)?gcr\.io)$/;
/** Public registries Cloud Run pulls from directly (run/docs/deploying): no credential is ever sent there. */
export const PUBLIC_REGISTRIES: ReadonlySet<string> = new Set(["docker.io", "ghcr.io"]);

/** True for the Google registries the stack may log in to with the deploy identity's access token. */
export function isGoogleRegistry(host: string): boolean {
  return GOOGLE_REGISTRY.test(host);
}

/** A path component of a repository name (the distribution spec's grammar, lower case). */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REFERENCE = new RegExp(`^([a-z0-9.-]+)((?:/${COMPONENT})+)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);

/** Splits a reference, or says what is wrong with it and how to write it (phrased to follow the value). */
export function parseImageReference(text: string): ImageReference | { problem: string } {
  const match = REFERENCE.exec(text);
  if (!match) {
    if (/@sha256:/.test(text)) return { problem: "has a malformed digest; write REGISTRY/PATH@sha256: and 64 lower-case hex digits" };
    if (!text.includes("/") || !text.split("/")[0].includes(".")) {
      return { problem: "names no registry; write the full reference, e.g. europe-docker.pkg.dev/PROJECT/REPO/app:1.0 or docker.io/library/nginx:1.27" };
    }
    return { problem: "is not an image reference; write REGISTRY/PATH:TAG or REGISTRY/PATH@sha256:DIGEST in lower case, e.g. europe-docker.pkg.dev/PROJECT/REPO/app:1.0" };
  }
  const [, registry, path, tag, digest] = match;
  if (tag === undefined && digest === undefined) return { problem: "has neither a tag nor a digest; write :TAG (resolved to its digest at deploy) or @sha256:DIGEST" };
  return { registry, repository: `${registry}${path}`, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Why a workload may not pull from `registry`, or undefined. */
export function registryProblem(registry: string): string | undefined {
  if (isGoogleRegistry(registry) || PUBLIC_REGISTRIES.has(registry)) return undefined;
  return (
    `pulls from ${registry}, which Cloud Run does not pull from directly; use Artifact Registry (REGION-docker.pkg.dev), ` +
    `a public image on docker.io or ghcr.io, or an Artifact Registry remote repository in front of ${registry}`
  );
}
