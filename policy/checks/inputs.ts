/**
 * Reading resource inputs as plain data: turning every flavour of "computed"
 * into {@link UNKNOWN}, and walking paths without tripping over it.
 */
import { ResourceUnderTest, RuleContext, UNKNOWN, Unknown } from "./types";

/**
 * The engine's wire sentinels for unknown values (string, boolean, number,
 * array, asset, archive, object), as a mock or a raw gRPC struct may carry them.
 */
const WIRE_UNKNOWNS: ReadonlySet<unknown> = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** True for {@link UNKNOWN}. */
export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/**
 * True for any representation of a computed value that can reach the rules
 * from the offline plan: `pulumi.unknown` (duck-typed like the SDK does, so a
 * second copy of @pulumi/pulumi is recognised too) or a wire sentinel.
 */
function isComputed(value: unknown): boolean {
  if (value === UNKNOWN || WIRE_UNKNOWNS.has(value)) return true;
  return typeof value === "object" && value !== null && (value as { __pulumiUnknown?: unknown }).__pulumiUnknown === true;
}

/**
 * Deep copy of `value` with every computed value replaced by {@link UNKNOWN}.
 * Only arrays and plain objects are walked; other objects (assets, archives)
 * are kept as they are, since no rule reads them.
 */
export function normalizeInputs<T>(value: T): T;
export function normalizeInputs(value: unknown): unknown {
  if (isComputed(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map((item) => normalizeInputs(item));
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = normalizeInputs(item);
    return copy;
  }
  return value;
}

/**
 * True for `{}`-style objects (not arrays, not class instances). Compares the
 * prototype chain's shape, not `Object.prototype` itself, because values may
 * come from another realm (a vm context, `structuredClone` under jest).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** One step of a path: an object key or an array index. */
export type PathStep = string | number;

/** Renders a path the way messages show it: `template.containers[0].image`. */
export function formatPath(steps: readonly PathStep[]): string {
  return steps.reduce<string>((text, step) => (typeof step === "number" ? `${text}[${step}]` : text ? `${text}.${step}` : step), "");
}

/**
 * Reads `steps` from `root`. Returns {@link UNKNOWN} as soon as a step lands
 * on a computed value (a computed object hides everything below it), and
 * `undefined` when a step is absent.
 */
export function readPath(root: unknown, steps: readonly PathStep[]): unknown {
  let current: unknown = root;
  for (const step of steps) {
    if (isUnknown(current)) return UNKNOWN;
    if (current === undefined || current === null) return undefined;
    if (typeof step === "number") {
      current = Array.isArray(current) ? current[step] : undefined;
    } else {
      current = isPlainObject(current) ? current[step] : undefined;
    }
  }
  return current;
}

/**
 * Returns a function that reports a computed input of `resource` to the
 * context's `unverified` sink (a no-op when the caller gave none).
 */
export function unverifiedReporter(resource: ResourceUnderTest, ctx: RuleContext): (steps: readonly PathStep[]) => void {
  return (steps) => ctx.unverified?.({ resource: resource.name, type: resource.type, path: formatPath(steps) });
}

/** Quotes a value for a message: strings in double quotes, anything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (isUnknown(value)) return "(computed)";
  return JSON.stringify(value);
}
