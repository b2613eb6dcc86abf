/**
 * Mandatory: a service's `customAudiences` are https:// URLs that are not
 * run.app URLs. Cloud Run always accepts the service's own run.app URL
 * (https://cloud.google.com/run/docs/configuring/custom-audiences); a custom
 * audience of `*`, an OAuth client id or another service's run.app URL would
 * let ID tokens minted for something else be replayed against this service.
 * Written apart from the config's check (components/audiences.ts) on purpose:
 * the pack is a second opinion, not a copy.
 */
import { formatPath, isUnknown, show, TYPES } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** Why one audience is refused, or undefined. */
function refusal(audience: string): string | undefined {
  if (audience.includes("*")) return "is a wildcard";
  const match = /^https:\/\/(?:([^/?#@]*)@)?([^/?#:]+)(?::\d+)?(?:[/?#].*)?$/i.exec(audience);
  if (!match) return "is not an https:// URL (an OAuth client id, a bare host or another scheme)";
  if (match[1] !== undefined) return "holds a user name or password";
  const host = match[2].toLowerCase().replace(/\.$/, "");
  if (host === "run.app" || host.endsWith(".run.app")) return "is a run.app URL (Cloud Run already accepts the service's own; another service's would let its tokens in)";
  return undefined;
}

function check(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  const report = unverifiedReporter(resource, ctx);
  const audiences = resource.inputs.customAudiences;
  if (isUnknown(audiences)) {
    report(["customAudiences"]);
    return [];
  }
  if (!Array.isArray(audiences)) return [];
  return audiences.flatMap((audience, index) => {
    const steps = ["customAudiences", index];
    if (isUnknown(audience)) {
      report(steps);
      return [];
    }
    const why = typeof audience === "string" ? refusal(audience) : "is not a string";
    return why === undefined
      ? []
      : [
          `${formatPath(steps)}: ${show(audience)} ${why}, so ${resource.name} would accept ID tokens minted for something else. ` +
            `Fix: list only the https:// URLs callers use for this service (a custom domain or a load balancer's URL), never a run.app URL.`,
        ];
  });
}

/** Mandatory: custom audiences never widen which tokens a service accepts. */
export const customAudiencesNamed: PolicyRule = {
  name: "cloud-run-custom-audiences",
  description: "A Cloud Run service's customAudiences are https:// URLs that are not run.app URLs (no wildcard, no OAuth client id, no other service's URL).",
  enforcementLevel: "mandatory",
  check(resource, ctx) {
    return resource.type === TYPES.service ? check(resource, ctx) : [];
  },
};
