/** Comparing nested resource inputs, for the diff (reading and showing them: contract/values.ts). */
import { isMapping } from "../contract";

/** Deep equality of JSON-like values (what resource inputs are). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** True for an array whose items are all strings, numbers, booleans or null. */
export function isScalarArray(value: unknown): value is (string | number | boolean | null)[] {
  return Array.isArray(value) && value.every((item) => item === null || typeof item !== "object");
}

/**
 * Flattens nested inputs into path → leaf value ("template.containers[0].image" → "…"),
 * so a diff can name exactly what changed. Empty objects and arrays are kept as leaves;
 * with `scalarArraysAsLeaves`, so are lists of scalars (members, tags), compared whole.
 */
export function flatten(value: unknown, options: { scalarArraysAsLeaves?: boolean } = {}): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const visit = (node: unknown, path: string): void => {
    if (options.scalarArraysAsLeaves && isScalarArray(node) && path !== "") {
      leaves.set(path, node);
    } else if (Array.isArray(node) && node.length > 0) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (isMapping(node) && Object.keys(node).length > 0) {
      for (const [key, child] of Object.entries(node)) visit(child, path === "" ? key : `${path}.${key}`);
    } else {
      leaves.set(path, node);
    }
  };
  visit(value, "");
  return leaves;
}

