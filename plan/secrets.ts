import type { RegisteredResource } from "../contract";

/** What every secret input is replaced with, in every view the plan prints. */
export const SECRET_PLACEHOLDER = "[secret]";

/**
 * The resource's inputs with every key listed in `secretInputs` replaced by "[secret]".
 * Evaluations carry secrets unwrapped; nothing the plan prints may contain them.
 */
export function maskedInputs(resource: RegisteredResource): Record<string, unknown> {
  const secret = new Set(resource.secretInputs);
  return Object.fromEntries(
    Object.entries(resource.inputs).map(([key, value]) => [key, secret.has(key) ? SECRET_PLACEHOLDER : value]),
  );
}
