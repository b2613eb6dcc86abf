import { compareText, readPath, TYPES, type RegisteredResource } from "../contract";
import { publishedFacts, type PublishedFacts } from "./facts";
import { buildTree, compareResources, type TreeNode } from "./tree";

/** One "principal → resource" grant read from an IAM resource's inputs. */
export interface IamEdge {
  member: string;
  role: string;
  /** The IAM resource that grants it. */
  via: RegisteredResource;
  /** The resource the grant is on; undefined when it is not in the evaluation. */
  target: RegisteredResource | undefined;
}

const IAM_CLASS = /^(.+?)Iam(Binding|Member|Policy)$/;

/** True for `*IamBinding`, `*IamMember` and `*IamPolicy` resources. */
export function isIamResource(resource: RegisteredResource): boolean {
  return IAM_CLASS.test(typeClass(resource.type));
}

/**
 * Every grant the IAM resources make, with the resource each is on: the workload its
 * InvokerAccess component published, or, for an IAM resource of no such component,
 * the one its own `name` input names (see {@link TargetIndex}).
 */
export function iamEdges(resources: RegisteredResource[], facts: PublishedFacts = publishedFacts(resources)): IamEdge[] {
  const targets = new TargetIndex(resources, facts);
  return resources.filter(isIamResource).flatMap((iam) => {
    const target = targets.of(iam);
    return grants(iam).map(({ member, role }) => ({ member, role, via: iam, target }));
  });
}

function grants(iam: RegisteredResource): { member: string; role: string }[] {
  const role = typeof iam.inputs.role === "string" ? iam.inputs.role : "";
  const kind = IAM_CLASS.exec(typeClass(iam.type))?.[2];
  if (kind === "Member") return typeof iam.inputs.member === "string" ? [{ member: iam.inputs.member, role }] : [];
  if (kind === "Binding") return strings(iam.inputs.members).map((member) => ({ member, role }));
  return policyBindings(iam.inputs.policyData);
}

/** Bindings of an IAM policy document (JSON text, as `*IamPolicy.policyData` holds it). */
function policyBindings(policyData: unknown): { member: string; role: string }[] {
  let policy: unknown = policyData;
  if (typeof policyData === "string") {
    try {
      policy = JSON.parse(policyData);
    } catch {
      return [];
    }
  }
  const bindings = readPath(policy, ["bindings"]);
  if (!Array.isArray(bindings)) return [];
  return bindings.flatMap((binding) => {
    const role = typeof binding?.role === "string" ? binding.role : "";
    return strings(binding?.members).map((member) => ({ member, role }));
  });
}

/**
 * Finds the resource each IAM resource grants on: the workload its InvokerAccess
 * component published, or, for an IAM resource of no such component, the one its
 * own `name` input names (the service's or job's name, or its full resource id):
 * for IAM added outside this project's components, that reference is the only fact
 * there is. Indexed once, so a stack with thousands of IAM members stays linear.
 */
export class TargetIndex {
  private readonly present: Set<RegisteredResource>;
  /** type → own name → the resources of that type and name, in registration order. */
  private readonly byTypeAndName = new Map<string, Map<string, RegisteredResource[]>>();
  private readonly order = new Map<RegisteredResource, number>();

  constructor(
    resources: RegisteredResource[],
    private readonly facts: PublishedFacts,
  ) {
    this.present = new Set(resources);
    resources.forEach((resource, index) => {
      this.order.set(resource, index);
      const names = this.byTypeAndName.get(resource.type) ?? new Map<string, RegisteredResource[]>();
      this.byTypeAndName.set(resource.type, names);
      const own = ownName(resource);
      names.set(own, [...(names.get(own) ?? []), resource]);
    });
  }

  of(iam: RegisteredResource): RegisteredResource | undefined {
    const published = this.facts.grantTargets.get(iam.urn);
    return published && this.present.has(published) ? published : this.declared(iam);
  }

  /** The first resource (in registration order) of the target type whose name is `name` or ends it after a "/". */
  private declared(iam: RegisteredResource): RegisteredResource | undefined {
    const name = typeof iam.inputs.name === "string" ? iam.inputs.name : undefined;
    const names = name === undefined ? undefined : this.byTypeAndName.get(iamTargetType(iam.type));
    if (name === undefined || !names) return undefined;
    const candidates = [name, ...slashSuffixes(name)].flatMap((key) => names.get(key) ?? []);
    return candidates.sort((a, b) => this.order.get(a)! - this.order.get(b)!)[0];
  }
}

function ownName(resource: RegisteredResource): string {
  return typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
}

/** "projects/p/locations/r/services/s" → ["p/locations/r/services/s", …, "s"]: what `endsWith("/" + own)` matches. */
function slashSuffixes(name: string): string[] {
  const suffixes: string[] = [];
  for (let at = name.indexOf("/"); at !== -1; at = name.indexOf("/", at + 1)) suffixes.push(name.slice(at + 1));
  return suffixes;
}

/** "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding" → "gcp:cloudrunv2/service:Service". */
export function iamTargetType(type: string): string {
  const [pkg, module] = type.split(":");
  const target = IAM_CLASS.exec(typeClass(type))?.[1] ?? "";
  const base = (module ?? "").split("/")[0];
  return `${pkg}:${base}/${target.charAt(0).toLowerCase()}${target.slice(1)}:${target}`;
}

/** "gcp:cloudrunv2/service:Service" → "Service". */
function typeClass(type: string): string {
  return type.split(":").pop() ?? type;
}

/** "gcp:cloudrunv2/service:Service" → "cloudrunv2.Service"; "docker-build:index:Image" → "docker-build.Image". */
export function shortType(type: string): string {
  const [pkg, module = "", cls = ""] = type.split(":");
  const base = module.split("/")[0];
  return base === "index" || base === "" ? `${pkg}.${cls}` : `${base}.${cls}`;
}

/**
 * The resources as a Mermaid flowchart: components are subgraphs, IAM resources become
 * labelled edges from each principal to the workload they grant on, and each workload
 * has a dotted "runs as" edge to its runtime service account.
 */
export function renderMermaid(resources: RegisteredResource[]): string {
  const facts = publishedFacts(resources);
  const targets = new TargetIndex(resources, facts);
  const ids = nodeIds(resources);
  const lines = ["flowchart LR"];
  // The stack resource would be one box around everything: draw its children instead.
  const tops = buildTree(resources).flatMap((root) => (root.resource.type === TYPES.stack ? root.children : [root]));
  for (const top of tops) lines.push(...subgraphLines(top, ids, targets, "  "));
  const accounts = accountIndex(resources, facts);
  lines.push(...principalLines(resources, ids, facts, accounts));
  lines.push(...runsAsLines(ids, facts));
  lines.push(...scheduleLines(resources, ids, facts, accounts));
  return `${lines.join("\n")}\n`;
}

/**
 * Node ids from logical names ("hello-service" → "hello_service"), so the diagram is the
 * same on every run; a name taken twice (a component and its service) gets "_2".
 */
function nodeIds(resources: RegisteredResource[]): Map<RegisteredResource, string> {
  const ids = new Map<RegisteredResource, string>();
  const taken = new Set<string>();
  for (const resource of [...resources].sort(compareResources)) {
    const base = `r_${mermaidId(resource.name)}`;
    let id = base;
    for (let suffix = 2; taken.has(id); suffix++) id = `${base}_${suffix}`;
    taken.add(id);
    ids.set(resource, id);
  }
  return ids;
}

/** Letters, digits and "_" only: safe as a Mermaid node id. */
function mermaidId(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, "_");
}

function subgraphLines(node: TreeNode, ids: Map<RegisteredResource, string>, targets: TargetIndex, indent: string): string[] {
  const { resource } = node;
  const id = ids.get(resource) as string;
  if (!resource.component) {
    // IAM resources that found their target (or name a secret) are drawn as edges instead of boxes.
    if (isIamResource(resource) && (targets.of(resource) || secretOf(resource))) return [];
    return [`${indent}${id}["${label(resource.name)}<br/><small>${label(shortType(resource.type))}</small>"]`];
  }
  const inner = node.children.flatMap((child) => subgraphLines(child, ids, targets, `${indent}  `));
  // A component holding only IAM (drawn as edges) would be an empty box.
  if (inner.length === 0) return [];
  return [`${indent}subgraph ${id}["${label(resource.name)} · ${label(shortType(resource.type))}"]`, ...inner, `${indent}end`];
}

function principalLines(resources: RegisteredResource[], ids: Map<RegisteredResource, string>, facts: PublishedFacts, accounts: AccountIndex): string[] {
  const principalIds = new Map<string, string>();
  const usedPrincipalIds = new Set<string>();
  const lines: string[] = [];
  const node = (key: string, base: string, shape: (id: string) => string): string => {
    let id = principalIds.get(key);
    if (!id) {
      // Two names may clean up to the same id (a.b@ and a_b@): keep them apart.
      id = base;
      for (let suffix = 2; usedPrincipalIds.has(id); suffix++) id = `${base}_${suffix}`;
      principalIds.set(key, id);
      usedPrincipalIds.add(id);
      lines.push(`  ${shape(id)}`);
    }
    return id;
  };
  const edges = iamEdges(resources, facts).sort(
    (a, b) => compareResources(a.target ?? a.via, b.target ?? b.via) || compareText(a.member, b.member) || compareText(a.role, b.role),
  );
  for (const edge of edges) {
    const account = edge.member.startsWith("serviceAccount:") ? accounts.get(edge.member.slice("serviceAccount:".length).toLowerCase()) : undefined;
    // A stack-made service account (a runtime or scheduler account) is drawn once, as its own box.
    const from = account ? (ids.get(account) as string) : node(edge.member, `p_${mermaidId(edge.member)}`, (id) => `${id}(["${label(edge.member)}"])`);
    // A secret is not a resource of the stack (it is never created or held here): one node per secret id.
    const secret = edge.target ? undefined : secretOf(edge.via);
    const to = secret ? node(`secret:${secret}`, `s_${mermaidId(secret)}`, (id) => `${id}[("secret ${label(secret)}")]`) : (ids.get(edge.target ?? edge.via) as string);
    lines.push(`  ${from} -->|"${label(edge.role || "(no role)")}"| ${to}`);
  }
  return lines;
}

/** A dotted "runs as" edge from each workload to the runtime account its component published. */
function runsAsLines(ids: Map<RegisteredResource, string>, facts: PublishedFacts): string[] {
  return facts.workloads
    .filter((workload) => workload.cloudRun && workload.runtimeAccount && ids.has(workload.cloudRun) && ids.has(workload.runtimeAccount))
    .sort((a, b) => compareResources(a.cloudRun!, b.cloudRun!))
    .map((workload) => `  ${ids.get(workload.cloudRun!)} -.->|"runs as"| ${ids.get(workload.runtimeAccount!)}`);
}

/** Lower-case email → the stack's own service account resource with that email. */
type AccountIndex = Map<string, RegisteredResource>;

/**
 * The stack's service accounts by email: each runtime account by the email its workload
 * published, any other account (a scheduler's) by accountId@project, as IAM names it.
 * Emails name the project, so an invoker from another project that shares an account id
 * is not one of these.
 */
function accountIndex(resources: RegisteredResource[], facts: PublishedFacts): AccountIndex {
  const index: AccountIndex = new Map();
  for (const account of resources.filter((r) => r.type === TYPES.account)) {
    const { accountId, project } = account.inputs;
    if (typeof accountId === "string" && typeof project === "string") index.set(`${accountId}@${project}.iam.gserviceaccount.com`.toLowerCase(), account);
  }
  for (const workload of facts.workloads) if (workload.runtimeAccount) index.set(workload.serviceAccountEmail.toLowerCase(), workload.runtimeAccount);
  return index;
}

/** The secret a Secret Manager IAM resource grants on (its `secretId`, path or id), or undefined. */
function secretOf(iam: RegisteredResource): string | undefined {
  const id = iam.type.startsWith("gcp:secretmanager/") ? iam.inputs.secretId : undefined;
  return typeof id === "string" && id !== "" ? id.slice(id.lastIndexOf("/") + 1) : undefined;
}

const SCHEDULER_JOB = "gcp:cloudscheduler/job:Job";

/**
 * Cloud Scheduler: a dotted edge from each scheduler job to the Cloud Run job of the
 * component it belongs to ("runs on schedule"), and to the account whose token it sends.
 */
function scheduleLines(resources: RegisteredResource[], ids: Map<RegisteredResource, string>, facts: PublishedFacts, accounts: AccountIndex): string[] {
  return resources
    .filter((r) => r.type === SCHEDULER_JOB && ids.has(r))
    .sort(compareResources)
    .flatMap((schedule) => {
      const job = facts.workloads.find((w) => w.kind === "job" && w.name === schedule.parent)?.cloudRun;
      const email = readPath(schedule.inputs, ["httpTarget", "oauthToken", "serviceAccountEmail"]);
      const account = typeof email === "string" ? accounts.get(email.toLowerCase()) : undefined;
      const cron = typeof schedule.inputs.schedule === "string" ? ` ${schedule.inputs.schedule}` : "";
      return [
        ...(job && ids.has(job) ? [`  ${ids.get(schedule)} -.->|"runs on schedule${label(cron)}"| ${ids.get(job)}`] : []),
        ...(account && ids.has(account) ? [`  ${ids.get(schedule)} -.->|"calls as"| ${ids.get(account)}`] : []),
      ];
    });
}

/** Mermaid labels are quoted: escape what would end or break them. */
function label(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
