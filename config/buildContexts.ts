/**
 * The config's build contexts checked against the filesystem, before any
 * resource is registered: each `source` must be a directory of the project
 * (symlinks followed), not its root, hold its Dockerfile and no credentials
 * (components/buildContext.ts). Problems name the key, the value and the fix.
 */
import { ConfigError, NAMESPACE, type ConfigProblem, type StackSettings, type WorkloadSettings } from "../contract";
import { buildContextProblems } from "../components/buildContext";

/** Every problem of every workload's build context; each distinct (source, dockerfile) is read once. */
export function buildContextConfigProblems(settings: Pick<StackSettings, "services" | "jobs">, projectDir: string): ConfigProblem[] {
  const checked = new Map<string, ReturnType<typeof buildContextProblems>>();
  const problemsOf = ({ source, dockerfile }: Pick<WorkloadSettings, "source" | "dockerfile">) => {
    // A workload deployed from a prebuilt `image` has no build context.
    if (source === undefined) return [];
    const key = JSON.stringify([source, dockerfile]);
    if (!checked.has(key)) checked.set(key, buildContextProblems(projectDir, source, dockerfile));
    return checked.get(key)!;
  };
  return (["services", "jobs"] as const).flatMap((kind) =>
    settings[kind].flatMap((workload, index) =>
      problemsOf(workload).map((problem) => ({
        path: `${NAMESPACE}:${kind}[${index}].${problem.key}`,
        value: problem.key === "source" ? workload.source : workload.dockerfile,
        message: problem.message,
      })),
    ),
  );
}

/** Throws ConfigError listing every build-context problem. */
export function checkBuildContexts(settings: Pick<StackSettings, "services" | "jobs">, projectDir: string): void {
  const problems = buildContextConfigProblems(settings, projectDir);
  if (problems.length > 0) throw new ConfigError(problems);
}
