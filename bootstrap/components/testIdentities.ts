/**
 * The two identities the deploy workflow's smoke test calls as, to prove the
 * invoker binding rather than the deploy account's own reach:
 * - the smoke account has NO project role; the stacks list it as an invoker,
 *   so a 2xx for it can only come from the workload's own binding;
 * - the outsider has no grant anywhere; every workload must refuse it.
 * Only the deploy account may mint tokens as them (no keys exist).
 */
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { TEST_IDENTITY_TOKEN_CREATOR } from "../roles";

/** Arguments of {@link TestIdentities}. */
export interface TestIdentitiesArgs {
  project: string;
  /** Account id of the smoke account. @default "pulumi-smoke" */
  smokeAccountId: string;
  /** Account id of the outsider. @default "pulumi-outsider" */
  outsiderAccountId: string;
  /** `serviceAccount:<deploy account>`: the only member that may mint tokens as either. */
  tokenMinter: pulumi.Input<string>;
}

/** The smoke account and the outsider. */
export class TestIdentities extends pulumi.ComponentResource {
  readonly smoke: serviceaccount.Account;
  readonly outsider: serviceaccount.Account;

  constructor(name: string, args: TestIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:TestIdentities", name, {}, opts);
    const self = { parent: this };

    this.smoke = new serviceaccount.Account(`${name}-smoke`, {
      project: args.project,
      accountId: args.smokeAccountId,
      displayName: "Smoke test invoker (no project roles)",
      description: "Listed as an invoker of every private-cloud-run workload and granted nothing else: a 2xx as it proves the binding.",
    }, self);
    this.outsider = new serviceaccount.Account(`${name}-outsider`, {
      project: args.project,
      accountId: args.outsiderAccountId,
      displayName: "Smoke test outsider (no grants)",
      description: "Granted nothing anywhere: every private-cloud-run workload must answer it 403.",
    }, self);

    for (const [kind, account] of [["smoke", this.smoke], ["outsider", this.outsider]] as const) {
      new serviceaccount.IAMMember(`${name}-${kind}-token-creator`, {
        serviceAccountId: account.name,
        role: TEST_IDENTITY_TOKEN_CREATOR.role,
        member: args.tokenMinter,
      }, self);
    }
    this.registerOutputs({ smoke: this.smoke.email, outsider: this.outsider.email });
  }
}
