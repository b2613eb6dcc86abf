/**
 * Mandatory: a Cloud Scheduler job's tokens go where they are meant to. Cloud
 * Scheduler attaches a token of the job's service account to every request
 * (scheduler/docs/reference/rest/v1/projects.locations.jobs#HttpTarget): an
 * OAuth access token works for every Google API that account may use, so it is
 * sent to Google APIs (`https://*.googleapis.com`) only; an ID token of one of
 * this stack's accounts lets its holder call every workload that lists that
 * account, so no scheduler job mints one. The stack's own schedules send an
 * OAuth token of their scheduler account to the Cloud Run Admin API.
 */
import { isPlainObject, isUnknown, show, TYPES } from "../../contract";
import { stackAccounts, type StackAccount } from "./accountImpersonation";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext, StackFinding } from "./types";

/** True for an https URL whose host is a Google API (the URL parser's host: user:password@ and ports are not the host). */
function isGoogleApi(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === "https:" && url.username === "" && url.password === "" && url.hostname.endsWith(".googleapis.com");
  } catch {
    return false;
  }
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}

function check(resource: ResourceUnderTest, accounts: Map<string, StackAccount>, ctx: RuleContext): StackFinding[] {
  const target = resource.inputs.httpTarget;
  if (!isPlainObject(target)) return [];
  const report = unverifiedReporter(resource, ctx);
  const found: StackFinding[] = [];
  const finding = (message: string) => found.push({ resource: resource.name, type: resource.type, message });
  const oauth = target.oauthToken;
  const oauthAccount = isPlainObject(oauth) && typeof oauth.serviceAccountEmail === "string" ? oauth.serviceAccountEmail : undefined;
  const runtime = oauthAccount === undefined ? undefined : accounts.get(oauthAccount.trim().toLowerCase());
  if (runtime?.runtime) {
    finding(
      `httpTarget.oauthToken.serviceAccountEmail: ${show(oauthAccount)} is ${runtime.described}: the schedule would act as that workload, with its secrets and its place in other workloads' invokers. ` +
        `Fix: schedule a job with the job's schedule key, which gives the schedule an account of its own.`,
    );
  }
  if (oauth !== undefined && oauth !== null) {
    const uri = target.uri;
    if (isUnknown(uri) || typeof uri !== "string") report(["httpTarget", "uri"]);
    else if (!isGoogleApi(uri)) {
      const account = isPlainObject(oauth) ? oauth.serviceAccountEmail : undefined;
      finding(
        `httpTarget.uri: ${show(uri)} receives an OAuth access token of ${typeof account === "string" ? account : "the job's service account"} with every run, and ${hostOf(uri)} is not a Google API: ` +
          `whoever runs it may call every Google API as that account. Fix: send OAuth tokens to https://….googleapis.com only; call anything else with an oidcToken of an account made for it.`,
      );
    }
  }
  const oidc = target.oidcToken;
  if (isPlainObject(oidc)) {
    const account = oidc.serviceAccountEmail;
    if (isUnknown(account)) report(["httpTarget", "oidcToken", "serviceAccountEmail"]);
    else if (typeof account === "string") {
      const described = accounts.get(account.trim().toLowerCase())?.described;
      if (described !== undefined) {
        finding(
          `httpTarget.oidcToken.serviceAccountEmail: ${show(account)} is ${described}: the job would mint its ID tokens (audience ${show(oidc.audience ?? target.uri)}) and send them to ${typeof target.uri === "string" ? hostOf(target.uri) : "its URI"}, ` +
            `which could then call every workload that lists that account. Fix: give the scheduler job an account of its own, listed in the invokers of what it calls.`,
        );
      }
    }
  }
  return found;
}

/** Mandatory: OAuth tokens only to Google APIs; no ID tokens of the stack's accounts. */
export const schedulerTokensStayWithGoogle: PolicyRule = {
  name: "scheduler-tokens-stay-with-google",
  description:
    "A Cloud Scheduler job with an oauthToken sends it only to an https://*.googleapis.com URI and never as a workload's runtime account, and no Cloud Scheduler job mints an oidcToken of a runtime or other service account of this stack.",
  enforcementLevel: "mandatory",
  checkStack(resources, ctx) {
    const accounts = stackAccounts(resources);
    return resources.filter((resource) => resource.type === TYPES.schedulerJob).flatMap((resource) => check(resource, accounts, ctx));
  },
};
