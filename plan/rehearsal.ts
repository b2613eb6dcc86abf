import { Compute, GoogleAuth } from "google-auth-library";
import { GoogleTokenSource, type IdTokenSource } from "../client/idTokens";
import { safeMessage } from "../client/redact";
import { checkService, type ServiceReport } from "../client/smoke";
import { startFrontEnd, startMetadataServer, TokenIssuer } from "../emulator";
import type { Evaluation } from "../contract";
import { appNeedsBuild, buildApp, startApp } from "./localApp";
import { chainLines, planChain, rehearseChain } from "./rehearseChain";
import type { PlanIO, RehearsalOutcome } from "./run";
import { stackOutputs } from "./workloads";

/** What the rehearsal will do, decided from the evaluation alone (no I/O). */
export interface RehearsalPlan {
  service: string;
  project: string;
  /** The audience tokens are minted for: the service's own (its run.app URL), as in the cloud. */
  audience: string;
  path: string;
  /** The service's effective invokers, given to the emulated front end as they are. */
  invokers: string[];
  /** The invoker whose identity the metadata server takes, and the email it mints for. */
  invoker: { member: string; email: string };
  /** Emulated group directory: only when the invoker had to be taken from a `group:` member. */
  groups: Record<string, string[]>;
  /** A service account that holds no grant on the service. */
  outsider: string;
}

/** One row of the rehearsal table. */
export interface RehearsalRow {
  /** "anonymous", "outsider" or "invoker". */
  caller: string;
  /** The email the token was minted for; empty for anonymous. */
  identity: string;
  /** Where the ID token went. */
  header: string;
  expected: number;
  status?: number;
  passed: boolean;
  note?: string;
}

/**
 * Picks the first service and an invoker to impersonate: a serviceAccount: member
 * first (what a metadata server really serves), then user:, then a made-up address in
 * a domain: member, then a made-up member of a group: member (declared to the emulated
 * front end's group directory, since no real directory is reachable offline).
 */
export function planRehearsal(evaluation: Evaluation): RehearsalPlan | { skipped: string } {
  const outputs = stackOutputs(evaluation);
  const [name, service] = Object.entries(outputs.services)[0] ?? [];
  if (!name || !service) return { skipped: `stack "${evaluation.stack}" has no service to rehearse (jobs have no URL)` };
  const invokers = [...service.invokers];
  const invoker = pickInvoker(invokers);
  if (!invoker) return { skipped: `service ${name} has no invoker to rehearse with: add one to its invokers` };
  return {
    service: name,
    project: outputs.project,
    audience: service.smokeTest?.audience ?? service.url,
    path: service.smokeTest?.path ?? "/",
    invokers,
    invoker: { member: invoker.member, email: invoker.email },
    groups: invoker.group ? { [invoker.group]: [invoker.email] } : {},
    outsider: outsiderFor(outputs.project, invokers),
  };
}

function pickInvoker(invokers: string[]): { member: string; email: string; group?: string } | undefined {
  const byKind = (kind: string) => invokers.find((member) => member.startsWith(`${kind}:`));
  const account = byKind("serviceAccount") ?? byKind("user");
  if (account) return { member: account, email: account.slice(account.indexOf(":") + 1) };
  const domain = byKind("domain");
  if (domain) return { member: domain, email: `rehearsal-invoker@${domain.slice("domain:".length)}` };
  const group = byKind("group");
  if (group) {
    const groupEmail = group.slice("group:".length);
    return { member: group, email: `rehearsal-member@${groupEmail.split("@")[1] ?? "example.com"}`, group: groupEmail };
  }
  return undefined;
}

function outsiderFor(project: string, invokers: string[]): string {
  const base = `rehearsal-outsider@${project || "rehearsal"}.iam.gserviceaccount.com`;
  // Bounded: each try adds a digit; invokers is finite, so one of the first invokers.length + 1 names is free.
  for (let suffix = 0; suffix <= invokers.length; suffix++) {
    const email = suffix === 0 ? base : base.replace("@", `-${suffix}@`);
    if (!invokers.includes(`serviceAccount:${email}`)) return email;
  }
  return base;
}

/** LIFO list of things to stop; running it twice is harmless. */
class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      await Promise.resolve()
        .then(step)
        .catch(() => undefined); // keep stopping the rest
    }
  }
}

const INVOKER_WAIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Runs the app behind the emulated Cloud Run front end with the first service's
 * invokers, mints ID tokens through the emulated metadata server with google-auth-library
 * (the client's real path), runs the smoke checks, and stops everything it started,
 * also on failure and on Ctrl-C.
 */
export async function rehearse(evaluation: Evaluation, io: PlanIO): Promise<RehearsalOutcome> {
  const plan = planRehearsal(evaluation);
  if ("skipped" in plan) return { ok: true, lines: [`Rehearsal skipped: ${plan.skipped}`] };
  const cleanup = new Cleanup();
  let stopping = false;
  // `on`, not `once`: run through the `tsx` wrapper (`npx tsx plan/plan.ts`), a Ctrl-C
  // arrives twice (the terminal's, then tsx's relay), and a signal without a listener
  // would end the process before the cleanup is done.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    io.stderr(`\n${signal}: stopping the rehearsal's app and emulator…\n`);
    void cleanup.run().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // The issuer's RSA key is generated synchronously: do it before any app process
    // exists, so a Ctrl-C is not left waiting behind a busy event loop (the `tsx` wrapper
    // force-kills a child that does not acknowledge a signal within ~60 ms; `npm start`
    // avoids the wrapper with `node --import tsx`).
    const issuer = new TokenIssuer();
    const rows = await runChecks(plan, cleanup, io, issuer);
    const chain = planChain(evaluation);
    if (!chain) return { ok: rows.every((row) => row.passed), lines: renderRehearsal(plan, rows) };
    io.stderr(`Rehearsal: starting ${chain.callee.name} and two callers of it (${chain.caller.name}, and an account it does not list)…\n`);
    const chainRows = await rehearseChain(chain, issuer, (stop) => cleanup.add(stop));
    const { head, tail } = chainLines(chain);
    const all = [...rows, ...chainRows];
    const lines = renderRehearsal(plan, rows).slice(0, -1);
    lines.push(...head, ...renderTable(chainRows), ...tail, summaryLine(all, true));
    return { ok: all.every((row) => row.passed), lines };
  } catch (error) {
    return { ok: false, lines: [`Rehearsal could not run: ${safeMessage(error)}`] };
  } finally {
    await cleanup.run();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function runChecks(plan: RehearsalPlan, cleanup: Cleanup, io: PlanIO, issuer: TokenIssuer): Promise<RehearsalRow[]> {
  if (appNeedsBuild()) {
    io.stderr("Building the app (app/dist is missing or older than app/src)…\n");
    await buildApp((text) => io.stderr(text));
  }
  // Same reason: Node loads its fetch implementation on first use, synchronously.
  await (await fetch("data:,")).arrayBuffer();
  io.stderr("Rehearsal: starting the app (node app/dist/server.js)…\n");
  const app = await startApp({ K_SERVICE: plan.service, GOOGLE_CLOUD_PROJECT: plan.project || "rehearsal" });
  cleanup.add(app.stop);
  io.stderr(`Rehearsal: app listening on ${app.url}; starting the emulated front end and metadata server…\n`);
  const frontEnd = await startFrontEnd({ upstream: app.url, issuer, audiences: [plan.audience], invokers: plan.invokers, groups: plan.groups });
  cleanup.add(frontEnd.close);
  const metadata = await startMetadataServer({ issuer, email: plan.invoker.email, projectId: plan.project || "rehearsal" });
  cleanup.add(metadata.close);
  cleanup.add(pointGoogleAuthAt(metadata.host));

  // The local front end is reachable whatever the service's ingress in the cloud.
  const target = { name: plan.service, url: frontEnd.url, audience: plan.audience, path: plan.path, ingress: "all" as const };
  const report = await checkService(target, {
    tokens: metadataTokens(),
    // The smoke test's own --outsider check, as an account that holds no grant.
    outsider: outsiderTokens(issuer, plan.outsider),
    propagationTimeoutMs: INVOKER_WAIT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    baseDelayMs: 200,
    maxDelayMs: 1_000,
  });
  return rows(plan, report);
}

/**
 * google-auth-library reads GCE_METADATA_IP before GCE_METADATA_HOST on every request;
 * point both at the emulator for the rehearsal and return what restores them.
 */
function pointGoogleAuthAt(host: string): () => void {
  const saved = { GCE_METADATA_HOST: process.env.GCE_METADATA_HOST, GCE_METADATA_IP: process.env.GCE_METADATA_IP };
  process.env.GCE_METADATA_HOST = host;
  delete process.env.GCE_METADATA_IP;
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/**
 * A fresh token source on the metadata server's credential (Compute), not on ADC:
 * a developer's gcloud credentials or GOOGLE_APPLICATION_CREDENTIALS must not be used.
 */
function metadataTokens(): GoogleTokenSource {
  return new GoogleTokenSource({ auth: new GoogleAuth({ authClient: new Compute() }) });
}

/**
 * ID tokens of the outsider, signed by the same emulated issuer: a second
 * metadata server cannot be used, google-auth-library reads one from the
 * environment for the whole process.
 */
function outsiderTokens(issuer: TokenIssuer, email: string): IdTokenSource {
  return { getIdToken: (audience) => issuer.mintIdToken({ email, audience }) };
}

function rows(plan: RehearsalPlan, report: ServiceReport): RehearsalRow[] {
  const check = (name: string) => report.checks.find((result) => result.check === name);
  const row = (
    caller: string,
    identity: string,
    header: string,
    expected: number,
    result: { status?: number; message?: string } | undefined,
  ): RehearsalRow => {
    const passed = result?.status === expected;
    return { caller, identity, header, expected, status: result?.status, passed, note: passed ? undefined : (result?.message ?? "not run") };
  };
  const invoker = plan.invoker.email;
  return [
    row("anonymous", "", "(no token)", 403, check("anonymous-is-refused")),
    row("outsider", plan.outsider, "Authorization", 403, check("outsider-is-refused")),
    row("invoker", invoker, "Authorization", 200, check("authorization-header")),
    row("invoker", invoker, "X-Serverless-Authorization, app token in Authorization", 200, check("x-serverless-authorization-header")),
  ];
}

/** The table printed after the plan. */
export function renderRehearsal(plan: RehearsalPlan, results: RehearsalRow[]): string[] {
  const groupNote = Object.keys(plan.groups).length > 0 ? ` (an emulated member of ${plan.invoker.member})` : "";
  return [
    `Rehearsal: service ${plan.service}: the app on 127.0.0.1 behind the emulated Cloud Run front end (invokers: ${plan.invokers.join(", ")})`,
    `  ID tokens for audience ${plan.audience} minted by google-auth-library through the emulated metadata server; checks call ${plan.path}`,
    `  invoker: ${plan.invoker.email}${groupNote}; outsider: ${plan.outsider}`,
    ...renderTable(results),
    summaryLine(results),
  ];
}

function summaryLine(results: RehearsalRow[], chain = false): string {
  const passed = results.filter((result) => result.passed).length;
  return `Rehearsal: ${passed}/${results.length} checks passed; ${chain ? "apps, front ends and metadata servers" : "app, front end and metadata server"} stopped`;
}

/** One table: caller, identity, where the token went, expected and got. */
function renderTable(results: RehearsalRow[]): string[] {
  const table = [
    ["caller", "identity", "ID token in", "expected", "got", "result"],
    ...results.map((result) => [
      result.caller,
      result.identity || "—",
      result.header,
      String(result.expected),
      String(result.status ?? "—"),
      result.passed ? "ok" : `FAILED${result.note ? `: ${result.note}` : ""}`,
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((cells) => cells[column].length)));
  return table.map((cells) => `  ${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ")}`);
}
