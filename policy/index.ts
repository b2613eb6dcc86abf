/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy`.
 *
 * Constructing a PolicyPack starts the analyzer's gRPC server and prints its
 * port for the Pulumi engine, so this file only wires; the rules live in
 * policy/rules.ts (plain functions, also run by `npm start`) and the adapter
 * in policy/crossguard.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { toPolicies } from "./crossguard";
import { rules } from "./rules";

new PolicyPack("private-cloud-run", {
  description: "Private Cloud Run: nothing public, dedicated runtime identities, images by digest, and safe cleanup on production.",
  enforcementLevel: "advisory",
  policies: toPolicies(rules),
});
