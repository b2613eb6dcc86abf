/**
 * The rehearsal of a call chain: a service whose container holds another service's
 * URL in CALLEE_URL (the stack sets it from `serviceUrls`) calls it from the app's
 * `GET /call`, as inside Cloud Run: an ID token of its runtime account from the
 * metadata server in X-Serverless-Authorization, its own credential in Authorization.
 * Locally: the callee's app behind the emulated front end with the callee's invokers,
 * and two callers (the real caller, and a runtime account the callee does not list),
 * each its own app process with its own emulated metadata server.
 *
 * Network ingress is not modelled: on 127.0.0.1 every process reaches every other, so
 * an `internal` callee answers here whoever connects. The rehearsal says so, and
 * proves the part it can, which is IAM: the listed caller gets 200, another one 403.
 * That an internal service is reachable only through the VPC is checked by the config
 * (a caller of an internal service must send all its traffic through one).
 */
import { randomBytes } from "node:crypto";
import { startFrontEnd, startMetadataServer, type TokenIssuer } from "../emulator";
import { readPath, type Evaluation } from "../contract";
import { publishedFacts } from "./facts";
import { startApp } from "./localApp";
import type { RehearsalRow } from "./rehearsal";
import { stackOutputs } from "./workloads";

/** The variable the example app reads to know what `GET /call` calls. */
export const CALLEE_ENV = "CALLEE_URL";

/** The chain to rehearse, decided from the evaluation alone. */
export interface ChainPlan {
  caller: { name: string; email: string };
  callee: { name: string; audience: string; invokers: string[]; ingress: string };
  /** A service account the callee does not list: another workload's runtime account when there is one. */
  outsider: { email: string; what: string };
  /** Caller and callee read the app credential (APP_TOKEN) from the same secret: both get one stand-in value. */
  sharedAppToken: boolean;
}

/**
 * Finds a caller: a service of the stack whose registered container env holds
 * CALLEE_URL equal to another service's URL (from the resources and outputs the
 * program registered, not from names).
 */
export function planChain(evaluation: Evaluation): ChainPlan | undefined {
  const outputs = stackOutputs(evaluation);
  const { workloads } = publishedFacts(evaluation.resources);
  for (const workload of workloads.filter((w) => w.kind === "service")) {
    const envs = readPath(workload.cloudRun?.inputs, ["template", "containers", 0, "envs"]);
    const url = Array.isArray(envs) ? envs.find((env) => env?.name === CALLEE_ENV && typeof env.value === "string")?.value : undefined;
    const callee = Object.entries(outputs.services).find(([, service]) => service.url === url);
    const caller = outputs.services[workload.name];
    if (!callee || !caller) continue;
    const [calleeName, calleeOutputs] = callee;
    const invokers = [...calleeOutputs.invokers];
    const unlisted = workloads.find((w) => w.name !== calleeName && !invokers.includes(`serviceAccount:${w.serviceAccountEmail}`));
    const appToken = (secrets: typeof caller.secrets) => secrets?.APP_TOKEN?.secret;
    return {
      caller: { name: workload.name, email: caller.serviceAccountEmail },
      callee: { name: calleeName, audience: calleeOutputs.smokeTest.audience, invokers, ingress: calleeOutputs.ingress },
      outsider: unlisted
        ? { email: unlisted.serviceAccountEmail, what: `runtime account of ${unlisted.kind} ${unlisted.name}, not an invoker of ${calleeName}` }
        : { email: `rehearsal-outsider@${outputs.project || "rehearsal"}.iam.gserviceaccount.com`, what: `holds no grant on ${calleeName}` },
      sharedAppToken: appToken(caller.secrets) !== undefined && appToken(caller.secrets) === appToken(calleeOutputs.secrets),
    };
  }
  return undefined;
}

/** Starts what the chain needs (each stop handed to `onStarted`) and calls `GET /call` as the caller and as the outsider. */
export async function rehearseChain(plan: ChainPlan, issuer: TokenIssuer, onStarted: (stop: () => Promise<void> | void) => void): Promise<RehearsalRow[]> {
  // A stand-in for the secret's value: Secret Manager is not reachable offline. Never printed.
  const appToken = `rehearsal-${randomBytes(16).toString("hex")}`;
  const callee = await startApp({ K_SERVICE: plan.callee.name, ...(plan.sharedAppToken ? { APP_TOKEN: appToken } : {}) });
  onStarted(callee.stop);
  const frontEnd = await startFrontEnd({ upstream: callee.url, issuer, audiences: [plan.callee.audience], invokers: plan.callee.invokers });
  onStarted(frontEnd.close);
  const callAs = async (email: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const metadata = await startMetadataServer({ issuer, email, projectId: "rehearsal" });
    onStarted(metadata.close);
    const caller = await startApp({
      K_SERVICE: plan.caller.name,
      CALLEE_URL: frontEnd.url,
      // The token is for the callee's own URL, as in the cloud, not for the local address.
      CALLEE_AUDIENCE: plan.callee.audience,
      GCE_METADATA_HOST: metadata.host,
      ...(plan.sharedAppToken ? { APP_TOKEN: appToken } : {}),
    });
    onStarted(caller.stop);
    const response = await fetch(`${caller.url}/call`, { signal: AbortSignal.timeout(15_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const listed = await callAs(plan.caller.email);
  const other = await callAs(plan.outsider.email);
  return [chainRow(plan, plan.caller.name, plan.caller.email, 200, listed), chainRow(plan, "not listed", plan.outsider.email, 403, other)];
}

/** A row: what the callee's front end answered (the caller's /call relays it as calleeStatus). */
function chainRow(plan: ChainPlan, caller: string, identity: string, expected: number, reply: { status: number; body: Record<string, unknown> }): RehearsalRow {
  const calleeStatus = typeof reply.body.calleeStatus === "number" ? reply.body.calleeStatus : undefined;
  const saw = reply.body.calleeSaw as { email?: unknown; tokenHeader?: unknown; appCredential?: unknown } | null | undefined;
  // The listed caller must also have been seen as itself, through X-Serverless-Authorization, with the app credential intact.
  const sawRightCaller =
    expected !== 200 || (saw?.email === identity && saw?.tokenHeader === "x-serverless-authorization" && (!plan.sharedAppToken || saw?.appCredential === "valid"));
  const passed = calleeStatus === expected && sawRightCaller;
  const header = `X-Serverless-Authorization${plan.sharedAppToken ? ", app token in Authorization" : ""} (GET /call → ${plan.callee.name})`;
  const note = passed ? undefined : `${reply.status} ${String(reply.body.error ?? "")} ${String(reply.body.message ?? "")}`.trim();
  return { caller, identity, header, expected, status: calleeStatus, passed, note };
}

/** The lines before and after the chain's rows: what ran, and what the emulator does not model. */
export function chainLines(plan: ChainPlan): { head: string[]; tail: string[] } {
  const ingressNote =
    plan.callee.ingress === "all"
      ? []
      : [
          `  ${plan.callee.name}'s ingress is ${plan.callee.ingress}: not modelled here (on 127.0.0.1 anything reaches its front end), so this proves IAM only.`,
          `  In the cloud ${plan.caller.name} reaches it only through its VPC with all-traffic egress, which the config requires of a caller of an internal service.`,
        ];
  return {
    head: [
      `Rehearsal: call chain ${plan.caller.name} → ${plan.callee.name} (${CALLEE_ENV}): ${plan.callee.name}'s app behind the emulated front end (invokers: ${plan.callee.invokers.join(", ")}),`,
      `  each caller its own app with its own emulated metadata server; outsider: ${plan.outsider.email} (${plan.outsider.what})`,
    ],
    tail: ingressNote,
  };
}
