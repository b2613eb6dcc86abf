/**
 * `image:` — a prebuilt image instead of a `source` to build. The reference
 * names its registry (Artifact Registry, or a public image on Docker Hub or
 * GitHub's registry) and a tag or a digest; a tag is resolved to its digest at
 * deploy time (components/prebuiltImage.ts), so the workload is still pinned.
 */
import { z } from "zod";
import { parseImageReference, registryProblem } from "../contract";

/** Why `image` cannot be deployed, or undefined. */
export function imageProblem(image: string): string | undefined {
  const parsed = parseImageReference(image);
  return "problem" in parsed ? parsed.problem : registryProblem(parsed.registry);
}

export const imageSchema = z
  .string({ error: "must be an image reference; write e.g. europe-docker.pkg.dev/PROJECT/REPO/app:1.0" })
  .refine((image) => imageProblem(image) === undefined, { error: (issue) => imageProblem(String(issue.input)) });
