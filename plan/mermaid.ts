import { readPath, runtimeAccountPath, TYPES, type RegisteredResource } from "../contract";
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
 * Every grant the IAM resources make, with the resource each is on. The target is
 * found by type (ServiceIamBinding → cloudrunv2 Service) and by the `name` input
 * (equal, or the last segment of a full resource id), else by sharing a parent.
 */
export function iamEdges(resources: RegisteredResource[]): IamEdge[] {
  return resources.filter(isIamResource).flatMap((iam) => {
    const target = iamTarget(iam, resources);
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

function iamTarget(iam: RegisteredResource, resources: RegisteredResource[]): RegisteredResource | undefined {
  const targetType = iamTargetType(iam.type);
  const candidates = resources.filter((resource) => resource.type === targetType);
  const name = typeof iam.inputs.name === "string" ? iam.inputs.name : undefined;
  const byName = name === undefined ? undefined : candidates.find((resource) => sameName(resource, name));
  return byName ?? candidates.find((resource) => resource.parent !== null && resource.parent === iam.parent);
}

function sameName(resource: RegisteredResource, name: string): boolean {
  const own = typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
  return own === name || name.endsWith(`/${own}`);
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
  const ids = nodeIds(resources);
  const lines = ["flowchart LR"];
  // The stack resource would be one box around everything: draw its children instead.
  const tops = buildTree(resources).flatMap((root) => (root.resource.type === TYPES.stack ? root.children : [root]));
  for (const top of tops) lines.push(...subgraphLines(top, ids, "  "));
  lines.push(...principalLines(resources, ids));
  lines.push(...runsAsLines(resources, ids));
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

function subgraphLines(node: TreeNode, ids: Map<RegisteredResource, string>, indent: string): string[] {
  const { resource } = node;
  const id = ids.get(resource) as string;
  if (!resource.component) {
    // IAM resources that found their target are drawn as edges instead of boxes.
    if (isIamResource(resource) && iamTarget(resource, [...ids.keys()])) return [];
    return [`${indent}${id}["${label(resource.name)}<br/><small>${label(shortType(resource.type))}</small>"]`];
  }
  const inner = node.children.flatMap((child) => subgraphLines(child, ids, `${indent}  `));
  // A component holding only IAM (drawn as edges) would be an empty box.
  if (inner.length === 0) return [];
  return [`${indent}subgraph ${id}["${label(resource.name)} · ${label(shortType(resource.type))}"]`, ...inner, `${indent}end`];
}

function principalLines(resources: RegisteredResource[], ids: Map<RegisteredResource, string>): string[] {
  const principalIds = new Map<string, string>();
  const lines: string[] = [];
  const edges = iamEdges(resources).sort(
    (a, b) => compareResources(a.target ?? a.via, b.target ?? b.via) || a.member.localeCompare(b.member, "en") || a.role.localeCompare(b.role, "en"),
  );
  for (const edge of edges) {
    const from = principalNode(edge.member, resources, ids, principalIds, lines);
    const to = ids.get(edge.target ?? edge.via) as string;
    lines.push(`  ${from} -->|"${label(edge.role || "(no role)")}"| ${to}`);
  }
  return lines;
}

/** A stack-made service account that is also an invoker is drawn once, as its own box. */
function principalNode(
  member: string,
  resources: RegisteredResource[],
  ids: Map<RegisteredResource, string>,
  principalIds: Map<string, string>,
  lines: string[],
): string {
  const account = member.startsWith("serviceAccount:") ? accountFor(member.slice("serviceAccount:".length), resources) : undefined;
  if (account) return ids.get(account) as string;
  let id = principalIds.get(member);
  if (!id) {
    // Two members may clean up to the same id (a.b@ and a_b@): keep them apart.
    const used = new Set(principalIds.values());
    const base = `p_${mermaidId(member)}`;
    id = base;
    for (let suffix = 2; used.has(id); suffix++) id = `${base}_${suffix}`;
    principalIds.set(member, id);
    lines.push(`  ${id}(["${label(member)}"])`);
  }
  return id;
}

function runsAsLines(resources: RegisteredResource[], ids: Map<RegisteredResource, string>): string[] {
  return [...resources].sort(compareResources).flatMap((resource) => {
    const email = runtimeAccount(resource);
    const account = email === undefined ? undefined : accountFor(email, resources);
    return account ? [`  ${ids.get(resource)} -.->|"runs as"| ${ids.get(account)}`] : [];
  });
}

/** The runtime service account a Cloud Run service or job is set to run as. */
export function runtimeAccount(resource: RegisteredResource): string | undefined {
  const path = resource.type === TYPES.service || resource.type === TYPES.job ? runtimeAccountPath(resource.type) : undefined;
  const email = path === undefined ? undefined : readPath(resource.inputs, path);
  return typeof email === "string" ? email : undefined;
}

/**
 * The `serviceaccount.Account` this email belongs to: same accountId (the local part) and,
 * when the account sets its project, the same project (`<id>@<project>.iam.gserviceaccount.com`).
 * An invoker from another project that happens to share an id must not be drawn as this stack's account.
 */
function accountFor(email: string, resources: RegisteredResource[]): RegisteredResource | undefined {
  const [local, domain = ""] = email.toLowerCase().split("@");
  const project = /^(.+)\.iam\.gserviceaccount\.com$/.exec(domain)?.[1];
  return resources.find(
    (resource) =>
      resource.type === TYPES.account &&
      resource.inputs.accountId === local &&
      (typeof resource.inputs.project !== "string" || resource.inputs.project === project),
  );
}

/** Mermaid labels are quoted: escape what would end or break them. */
function label(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
