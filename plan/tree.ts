import { compareText, firstImagePath, formatPath, readPath, runtimeAccountPath, show, TYPES, type RegisteredResource } from "../contract";
import { maskedInputs } from "./secrets";

/**
 * Inputs worth a glance, per resource type (its token, or a regex on it). The rest is
 * in `--json`; a type not listed shows its first few scalar inputs.
 */
const KEY_INPUTS: [string | RegExp, string[]][] = [
  [TYPES.service, ["name", "location", "ingress", "deletionProtection", "invokerIamDisabled", "customAudiences", ...workloadPaths(TYPES.service)]],
  [TYPES.job, ["name", "location", "deletionProtection", ...workloadPaths(TYPES.job)]],
  [/Iam(Binding)$/, ["name", "role", "members"]],
  [/Iam(Member)$/, ["name", "role", "member"]],
  [/Iam(Policy)$/, ["name", "policyData"]],
  [TYPES.account, ["accountId", "displayName"]],
  [TYPES.repository, ["repositoryId", "location", "format", "cleanupPolicyDryRun"]],
  [TYPES.api, ["service", "disableOnDestroy"]],
  [TYPES.image, ["tags", "platforms", "push"]],
];

/** "template.serviceAccount", "template.containers[0].image" (one level deeper for a job). */
function workloadPaths(type: string): string[] {
  return [runtimeAccountPath(type), firstImagePath(type)].map((steps) => formatPath(steps ?? []));
}

const GENERIC_INPUT_COUNT = 4;
/** Wide enough for a whole digest-pinned image reference or a short member list: reviewers read them. */
const KEY_INPUT_WIDTH = 200;

/** "key=value" pairs for one resource's key inputs, secrets masked. */
export function keyInputs(resource: RegisteredResource): string[] {
  const inputs = maskedInputs(resource);
  const paths = KEY_INPUTS.find(([type]) => (typeof type === "string" ? type === resource.type : type.test(resource.type)))?.[1] ?? genericPaths(inputs);
  return paths
    .map((path) => [path, readPath(inputs, path)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([path, value]) => `${path}=${show(value, { bare: true, max: KEY_INPUT_WIDTH })}`);
}

function genericPaths(inputs: Record<string, unknown>): string[] {
  return Object.entries(inputs)
    .filter(([, value]) => value === null || typeof value !== "object")
    .slice(0, GENERIC_INPUT_COUNT)
    .map(([key]) => key);
}

/** A resource with the resources registered under it. */
export interface TreeNode {
  resource: RegisteredResource;
  children: TreeNode[];
}

/**
 * Groups resources under their parents. Parents are given by logical name: when two
 * resources share one, the latest component registered before the child wins (a child
 * is always registered after its parent). A parent that is not in the list makes the
 * resource a root. Siblings are sorted by name then type: registration order varies
 * from run to run (components register concurrently), and a plan must read the same
 * every time to be diffed and reviewed.
 */
export function buildTree(resources: RegisteredResource[]): TreeNode[] {
  const nodes = resources.map((resource) => ({ resource, children: [] as TreeNode[] }));
  const roots: TreeNode[] = [];
  nodes.forEach((node, index) => {
    const parent = node.resource.parent === null ? undefined : findParent(nodes, index, node.resource.parent);
    (parent ? parent.children : roots).push(node);
  });
  const sortAll = (siblings: TreeNode[]): void => {
    siblings.sort((a, b) => compareResources(a.resource, b.resource));
    siblings.forEach((node) => sortAll(node.children));
  };
  sortAll(roots);
  return roots;
}

/** Stable order for output: by logical name, then type token. */
export function compareResources(a: RegisteredResource, b: RegisteredResource): number {
  return compareText(a.name, b.name) || compareText(a.type, b.type);
}

function findParent(nodes: TreeNode[], childIndex: number, parentName: string): TreeNode | undefined {
  let fallback: TreeNode | undefined;
  for (let index = childIndex - 1; index >= 0; index--) {
    const candidate = nodes[index];
    if (candidate.resource.name !== parentName) continue;
    if (candidate.resource.component) return candidate;
    fallback ??= candidate;
  }
  return fallback;
}

/** The tree as text lines: "name  (type)  key=value …", children indented with box-drawing guides. */
export function renderTree(resources: RegisteredResource[]): string[] {
  const lines: string[] = [];
  const visit = (node: TreeNode, guide: string, branch: string, childGuide: string): void => {
    lines.push(`${guide}${branch}${describe(node.resource)}`);
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      visit(child, guide + childGuide, last ? "└─ " : "├─ ", last ? "   " : "│  ");
    });
  };
  for (const root of buildTree(resources)) visit(root, "", "", "");
  return lines;
}

function describe(resource: RegisteredResource): string {
  const inputs = resource.component ? [] : keyInputs(resource);
  return [`${resource.name}  (${resource.type})`, ...inputs].join("  ");
}
