/**
 * Advisory: on a production stack, nothing turns deletion protection off.
 * Cloud Run v2 services and jobs default to `deletionProtection: true`; an
 * explicit `false` is what lets `pulumi destroy` (or a replace) take prod down.
 */
import { isUnknown, show } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule } from "./types";

/** Words that mark a stack as production when they appear as a whole token of its name. */
const PRODUCTION_WORDS = /^(prod|production|prd|live)\d*$/;

/**
 * True when the stack name reads as production: one of its tokens (split on
 * anything but letters and digits) is prod, production, prd or live, with an
 * optional number (`prod`, `prod-eu`, `acme/app/production`, `app-prd2`,
 * `live`). `product`, `preprod` and `staging` are not.
 */
export function isProductionStack(stack: string): boolean {
  return stack
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((token) => PRODUCTION_WORDS.test(token));
}

/** Advisory: deletion protection is not switched off on a production-like stack. */
export const deletionProtectionOnProduction: PolicyRule = {
  name: "deletion-protection-on-production",
  description: "On a stack named like production (prod, production, prd, live…), no resource sets deletionProtection: false.",
  enforcementLevel: "advisory",
  check(resource, ctx) {
    if (!isProductionStack(ctx.stack)) return [];
    const value = resource.inputs.deletionProtection;
    if (isUnknown(value)) {
      unverifiedReporter(resource, ctx)(["deletionProtection"]);
      return [];
    }
    if (value !== false) return [];
    return [
      `deletionProtection: ${show(value)} on production stack "${ctx.stack}" lets a destroy or a replacement delete ${resource.name}. ` +
        `Fix: set deletionProtection: true in this stack's config (or drop the override; Cloud Run defaults to true).`,
    ];
  },
};
