/**
 * Reading and showing nested plain data (resource inputs, stack config, stack
 * outputs): one path syntax, one reader, one way to quote a value in a message.
 */

/**
 * Marks a computed input (unknown until deploy) in the plain data policy rules
 * read. The offline plan's values (`pulumi.unknown`, the engine's raw unknown
 * sentinel) and CrossGuard's unknowns are all turned into this one marker first.
 */
export const UNKNOWN: unique symbol = Symbol.for("private-cloud-run/policy/unknown");
/** Type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** True for {@link UNKNOWN}. */
export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/** One step of a path: an object key or an array index. */
export type PathStep = string | number;

/** Any non-null, non-array object: what YAML gives for a mapping (config values are checked key by key after this). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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

/** "template.containers[0].image" → ["template", "containers", 0, "image"]. */
export function parsePath(path: string): PathStep[] {
  return [...path.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map(([step, index]) => (index === undefined ? step : Number(index)));
}

/** Renders a path the way messages show it: ["template", "containers", 0, "image"] → `template.containers[0].image`. */
export function formatPath(steps: readonly PropertyKey[]): string {
  return steps.reduce<string>((text, step) => (typeof step === "number" ? `${text}[${step}]` : text ? `${text}.${String(step)}` : String(step)), "");
}

/**
 * Reads a path ("template.containers[0].image", or its steps) from nested plain
 * data. `undefined` when a step is absent; {@link UNKNOWN} as soon as a step
 * lands on a computed value (a computed object hides everything below it).
 */
export function readPath(root: unknown, path: string | readonly PathStep[]): unknown {
  let current: unknown = root;
  for (const step of typeof path === "string" ? parsePath(path) : path) {
    if (isUnknown(current)) return UNKNOWN;
    if (current === undefined || current === null) return undefined;
    if (typeof step === "number") current = Array.isArray(current) ? current[step] : undefined;
    else current = isPlainObject(current) ? current[step] : undefined;
  }
  return current;
}

/** How {@link show} writes a value. */
export interface ShowOptions {
  /** Strings as they are, without quotes (for tables and trees, where the column says what it is). */
  bare?: boolean;
  /** Cut longer text to this many characters, ending in "…". */
  max?: number;
  /** What an absent value reads as. */
  missing?: string;
}

/**
 * A value on one line for a message: strings quoted (or bare), everything else
 * as compact JSON, absent as "(unset)", computed as "(computed)".
 */
export function show(value: unknown, { bare = false, max = Infinity, missing = "(unset)" }: ShowOptions = {}): string {
  if (value === undefined) return missing;
  if (isUnknown(value)) return "(computed)";
  const text = bare && typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Orders text the way `a.localeCompare(b, "en")` does, with one collator built once:
 * `localeCompare` with a locale argument builds a new collator on every call, which
 * made sorting thousands of IAM members the slowest part of a large plan.
 */
export const compareText: (a: string, b: string) => number = new Intl.Collator("en").compare;
