/**
 * The digest the offline plan gives a prebuilt image's tag, apart from offline/mocks.ts
 * so the plan's renderers can recognise it without loading Pulumi (`--help` and usage
 * errors stay free of it).
 */
import { createHash } from "node:crypto";

/**
 * Deterministic and 64 hex digits like a real one (so the digest rule can read it), but
 * not the registry's, which only `pulumi up` reads. `isStandInDigest` lets the plan say so.
 */
export function standInDigest(reference: string): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(["offline stand-in digest", reference])).digest("hex")}`;
}

/** True when `image` is `reference@<the stand-in digest of reference>`. */
export function isStandInDigest(image: string, reference: string): boolean {
  return image === `${reference}@${standInDigest(reference)}`;
}
