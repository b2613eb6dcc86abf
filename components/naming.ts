/**
 * Naming rules shared by the components: pure, deterministic functions, so the
 * same config always gives the same resource names and ids.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { serviceAccountEmail } from "../contract";

/** Short stable hash, used where a name must be shortened or made unique. */
export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** "./app/" and "app" are the same build context: one image per distinct normalized source. */
export function normalizeSource(source: string): string {
  const normalized = path.posix.normalize(source.replace(/\\/g, "/")).replace(/\/+$/, "");
  return normalized === "" ? "." : normalized;
}

/**
 * Image name in the registry for a source: "./app" → "app"; any source that is
 * not already a plain name gets a hash suffix ("services/api" →
 * "services-api-1a2b3c"), so two distinct sources never share an image name
 * (or a logical resource name): "a/b" and "a-b" would otherwise both be "a-b".
 */
export function imageNameForSource(source: string): string {
  const normalized = normalizeSource(source);
  const slug = normalized
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug !== "" && slug === normalized ? slug : `${slug || "root"}-${shortHash(normalized)}`;
}

/**
 * Image name for a source built with a Dockerfile of its own choosing: the
 * source's name when it is the default Dockerfile (so existing images keep
 * their names), else that name plus the Dockerfile's, with a hash so that no
 * two (source, dockerfile) pairs share a name.
 */
export function imageNameFor(source: string, dockerfile: string | undefined): string {
  const base = imageNameForSource(source);
  if (dockerfile === undefined || normalizeSource(dockerfile) === "Dockerfile") return base;
  const slug = normalizeSource(dockerfile).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `${base}-${slug || "dockerfile"}-${shortHash(`${normalizeSource(source)}\0${normalizeSource(dockerfile)}`)}`;
}

/**
 * Logical name of a prebuilt image's resolution: readable and unique per
 * reference ("docker.io/library/nginx:1.27" → "prebuilt-nginx-1-27-1a2b3c").
 */
export function prebuiltImageName(image: string): string {
  const last = image.slice(image.lastIndexOf("/") + 1).split("@")[0];
  const readable = last.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30);
  return `prebuilt-${readable}-${shortHash(image)}`;
}

/**
 * Service account id of a workload's runtime identity (6-30 characters,
 * lowercase, letters/digits/dashes): "hello" → "hello-svc", "nightly" → "nightly-job".
 * Short names are padded and long ones shortened, so two names can map to the
 * same id ("x" and "run-x"): config validation refuses such pairs.
 */
export function runtimeAccountId(kind: "service" | "job", name: string): string {
  return accountIdFor(name, kind === "service" ? "-svc" : "-job");
}

/**
 * Service account id of a scheduled job's scheduler identity: "nightly" →
 * "nightly-sched". Its suffix differs from the runtime ones, so it never
 * equals a runtime account id, and it is never padded (the suffix with one
 * letter makes 7 characters), so distinct job names give distinct ids.
 */
export function schedulerAccountId(jobName: string): string {
  return accountIdFor(jobName, "-sched");
}

/** `name` + `suffix`, shortened with a hash of the name above 30 characters and padded with "run-" below 6. */
function accountIdFor(name: string, suffix: string): string {
  let id = `${name}${suffix}`;
  if (id.length > 30) id = `${name.slice(0, 30 - suffix.length - 7).replace(/-+$/, "")}-${shortHash(name)}${suffix}`;
  return id.length < 6 ? `run-${id}` : id;
}

/**
 * The IAM member of a workload's runtime account, known from config alone
 * ("serviceAccount:hello-svc@my-project.iam.gserviceaccount.com"): what
 * `workload:NAME` in an invoker list stands for.
 */
export function runtimeMember(kind: "service" | "job", name: string, project: string): string {
  return `serviceAccount:${serviceAccountEmail(runtimeAccountId(kind, name), project)}`;
}

/** Logical-name fragment for an IAM member: readable, unique, stable ("user:alice@example.com" → "user-alice-example-com-1a2b3c"). */
export function memberSlug(member: string): string {
  const readable = member
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${readable}-${shortHash(member)}`;
}
