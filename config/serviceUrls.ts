/**
 * `serviceUrls: {ENV_NAME: SERVICE}`: an environment variable that holds another
 * service's URL, which the stack takes from that service's own `url` output (so
 * the caller is deployed after its callee, and the plan shows the URL the callee
 * gets). What the app calls comes from here, never from a request. The callee must
 * be a service of this stack, not the workload itself, and the references must not
 * form a cycle (each service would wait for the other's URL).
 */
import { isMapping, NAMESPACE, type ConfigProblem } from "../contract";
import { checked, envNameProblem } from "./runtimeKeys";

/** `serviceUrls` on its own: variable names as for `env`, values service names. */
export const serviceUrlsSchema = checked<Record<string, string>>((value, report) => {
  if (!isMapping(value)) {
    report("must be a mapping of NAME: service; write e.g. {API_URL: api}");
    return {};
  }
  const urls: Record<string, string> = {};
  for (const [name, service] of Object.entries(value)) {
    const nameProblem = envNameProblem(name);
    if (nameProblem) report(nameProblem, [name]);
    else if (typeof service !== "string" || service === "") report("must be the name of a service of this stack, e.g. api", [name]);
    else urls[name] = service;
  }
  return urls;
});

type Raw = Record<string, unknown>;

/** Every problem of `serviceUrls` that needs the other workloads: unknown callee, a job, itself, a name set twice, a cycle. */
export function serviceUrlProblems(input: Record<string, unknown>): ConfigProblem[] {
  const services = listOf(input, "services");
  const serviceNames = new Set(services.map(({ raw }) => raw.name).filter((name): name is string => typeof name === "string"));
  const jobNames = new Set(listOf(input, "jobs").map(({ raw }) => raw.name));
  const problems: ConfigProblem[] = [];
  for (const list of ["services", "jobs"] as const) {
    for (const { raw, index } of listOf(input, list)) {
      const urls = raw.serviceUrls;
      if (!isMapping(urls)) continue;
      const at = (name: string) => `${NAMESPACE}:${list}[${index}].serviceUrls.${name}`;
      for (const [name, callee] of Object.entries(urls)) {
        if (typeof callee !== "string") continue;
        const message = calleeProblem(callee, list === "services" ? raw.name : undefined, serviceNames, jobNames);
        if (message) problems.push({ path: at(name), value: callee, message });
        for (const other of ["env", "secrets"] as const) {
          if (isMapping(raw[other]) && Object.hasOwn(raw[other] as Raw, name)) {
            problems.push({ path: at(name), value: callee, message: `names ${name}, which ${other} sets too; a variable has one value: keep one of them` });
          }
        }
      }
    }
  }
  return [...problems, ...cycleProblems(services)];
}

function calleeProblem(callee: string, self: unknown, services: Set<string>, jobs: Set<unknown>): string | undefined {
  const known = services.size > 0 ? `services of this stack: ${[...services].sort().join(", ")}` : "this stack has no service";
  if (callee === self) return "names this service itself; a service does not call itself through Cloud Run (it would wait for its own URL)";
  if (services.has(callee)) return undefined;
  if (jobs.has(callee)) return `names job ${callee}; a job has no URL (run it with the client's runJob, and list the caller in the job's invokers); ${known}`;
  return `names no service of this stack; ${known}`;
}

/** A cycle of services each waiting for the next one's URL, reported once, at its first service in config order. */
function cycleProblems(services: { raw: Raw; index: number }[]): ConfigProblem[] {
  const edges = new Map<string, string[]>();
  const indexOf = new Map<string, number>();
  for (const { raw, index } of services) {
    if (typeof raw.name !== "string" || indexOf.has(raw.name)) continue;
    indexOf.set(raw.name, index);
    edges.set(raw.name, isMapping(raw.serviceUrls) ? Object.values(raw.serviceUrls).filter((v): v is string => typeof v === "string" && v !== raw.name) : []);
  }
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const cycle = path.slice(path.indexOf(name));
      const key = [...cycle].sort().join(" ");
      if (!reported.has(key)) {
        reported.add(key);
        const first = [...cycle].sort((a, b) => indexOf.get(a)! - indexOf.get(b)!)[0];
        const from = cycle.indexOf(first);
        const ordered = [...cycle.slice(from), ...cycle.slice(0, from), first];
        problems.push({
          path: `${NAMESPACE}:services[${indexOf.get(first)}].serviceUrls`,
          value: Object.fromEntries(Object.entries(services.find((s) => s.raw.name === first)!.raw.serviceUrls as Raw)),
          message: `${ordered.join(" → ")} is a cycle: each service would be deployed after the one whose URL it holds; break it (one of them can find the other another way)`,
        });
      }
      return;
    }
    state.set(name, "visiting");
    for (const next of edges.get(name) ?? []) if (edges.has(next)) visit(next, [...path, name]);
    state.set(name, "done");
  };
  for (const name of edges.keys()) visit(name, []);
  return problems;
}

function listOf(input: Record<string, unknown>, list: "services" | "jobs"): { raw: Raw; index: number }[] {
  const items = input[`${NAMESPACE}:${list}`];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index) => (isMapping(item) ? [{ raw: item, index }] : []));
}


/**
 * The order to create services in: every callee before the services holding its URL
 * (config order otherwise). Assumes no cycle (the config refuses one).
 */
export function calleesFirst<T extends { name: string; serviceUrls: Record<string, string> }>(services: T[]): T[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: T[] = [];
  const placed = new Set<string>();
  const place = (service: T, seen: Set<string>): void => {
    if (placed.has(service.name) || seen.has(service.name)) return;
    seen.add(service.name);
    for (const callee of Object.values(service.serviceUrls)) {
      const target = byName.get(callee);
      if (target) place(target, seen);
    }
    placed.add(service.name);
    ordered.push(service);
  };
  for (const service of services) place(service, new Set());
  return ordered;
}
