/**
 * Mandatory: a docker-build Image is built from a directory of the project,
 * never its root, never a path outside it. Everything in a build context is
 * sent to the builder (and a `COPY . .` puts it in the image): the project
 * root holds .git, the stack files and, in CI, gha-creds-*.json; a path out of
 * the project can be anything on the machine. The pack sees the path as
 * written, not the filesystem (symlinks, credentials inside, the Dockerfile
 * are checked before the program registers anything: config/buildContexts.ts).
 */
import { formatPath, isPlainObject, isUnknown, readPath, show, TYPES, type PathStep } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** Why a location relative to the project is not inside it (or is its root), or undefined. */
function outsideProject(location: string): string | undefined {
  const slashed = location.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed) || /^[a-z][a-z0-9+.-]*:\/\//i.test(slashed)) return "is an absolute path (or a URL)";
  const depth = slashed.split("/").reduce<number | undefined>((level, step) => {
    if (level === undefined || step === "" || step === ".") return level;
    return step === ".." ? (level === 0 ? undefined : level - 1) : level + 1;
  }, 0);
  if (depth === undefined) return "leaves the project directory";
  if (depth === 0) return "is the project root";
  return undefined;
}

function checkLocation(resource: ResourceUnderTest, steps: PathStep[], ctx: RuleContext, what: string): string[] {
  const location = readPath(resource.inputs, steps);
  if (isUnknown(location)) {
    unverifiedReporter(resource, ctx)(steps);
    return [];
  }
  if (typeof location !== "string") return [];
  const why = outsideProject(location);
  return why === undefined
    ? []
    : [
        `${formatPath(steps)}: ${show(location)} ${why}, so ${resource.name} would send ${what} from there to the builder. ` +
          `Fix: build from a directory of the project that holds the Dockerfile (e.g. app), set in the workload's source.`,
      ];
}

/** Mandatory: image builds read only from directories of the project. */
export const buildContextInsideProject: PolicyRule = {
  name: "image-build-context-inside-project",
  description: "A docker-build Image's context (and Dockerfile) is a directory of the project: not its root, not an absolute path, not a path out of it.",
  enforcementLevel: "mandatory",
  check(resource, ctx) {
    if (resource.type !== TYPES.image) return [];
    const dockerfile = resource.inputs.dockerfile;
    return [
      ...checkLocation(resource, ["context", "location"], ctx, "every file"),
      ...(isPlainObject(dockerfile) && dockerfile.location !== undefined ? checkLocation(resource, ["dockerfile", "location"], ctx, "the Dockerfile") : []),
    ];
  },
};
