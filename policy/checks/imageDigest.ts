/**
 * Mandatory: containers are deployed by digest. A tag can move under a running
 * service; a digest names exactly the bytes that were built and checked.
 */
import { formatPath, isUnknown, readPath, runtimeTemplatePath, show, workloadKind, type PathStep } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** `…@sha256:` and exactly 64 lower-case hex digits, at the end of the reference. */
const DIGEST_SUFFIX = /@sha256:[0-9a-f]{64}$/;

/** True when `image` is pinned by a sha256 digest (`repo/name@sha256:<64 hex>`, a tag before `@` is allowed). */
export function isDigestPinned(image: string): boolean {
  return DIGEST_SUFFIX.test(image.trim());
}

/** Checks one container's `image`. */
function checkImage(resource: ResourceUnderTest, steps: PathStep[], image: unknown, ctx: RuleContext): string[] {
  if (isUnknown(image)) {
    unverifiedReporter(resource, ctx)(steps);
    return [];
  }
  const path = formatPath(steps);
  if (typeof image === "string" && isDigestPinned(image)) return [];
  return [
    `${path}: ${show(image)} is not pinned by digest. ` +
      `Fix: deploy the pushed image as <repo>/<name>@sha256:<64 hex digits> (the artifact image's digest-pinned reference), never a tag.`,
  ];
}

/** Mandatory: every container image of a service (v1 or v2) or job ends in `@sha256:<64 hex>`. */
export const imagesPinnedByDigest: PolicyRule = {
  name: "cloud-run-image-by-digest",
  description: "Every container of a Cloud Run service (v1 and v2) or job is deployed by digest (image@sha256:<64 hex>), not by tag.",
  enforcementLevel: "mandatory",
  check(resource, ctx) {
    const template = runtimeTemplatePath(resource.type);
    if (!template) return [];
    const steps = [...template, "containers"];
    const containers = readPath(resource.inputs, steps);
    if (isUnknown(containers)) {
      unverifiedReporter(resource, ctx)(steps);
      return [];
    }
    if (!Array.isArray(containers) || containers.length === 0) {
      return [`${formatPath(steps)}: ${show(containers)}: ${workloadKind(resource.type)} ${resource.name} declares no container image to check. Fix: set one container with a digest-pinned image.`];
    }
    return containers.flatMap((_, index) =>
      checkImage(resource, [...steps, index, "image"], readPath(containers, [index, "image"]), ctx),
    );
  },
};
