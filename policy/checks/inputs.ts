/**
 * Reading resource inputs as plain data: turning every flavour of "computed"
 * into {@link UNKNOWN}, and walking paths without tripping over it.
 */
import { formatPath, isPlainObject, UNKNOWN, type PathStep } from "../../contract";
import { ResourceUnderTest, RuleContext } from "./types";

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
 * Returns a function that reports a computed input of `resource` to the
 * context's `unverified` sink (a no-op when the caller gave none).
 */
export function unverifiedReporter(resource: ResourceUnderTest, ctx: RuleContext): (steps: readonly PathStep[]) => void {
  return (steps) => ctx.unverified?.({ resource: resource.name, type: resource.type, path: formatPath(steps) });
}
