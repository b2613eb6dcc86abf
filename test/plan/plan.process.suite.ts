/**
 * `npm start` as a user runs it: a real child process (`node --import tsx plan/plan.ts`,
 * package.json's start script) on the real program and the repository's stack files.
 * Only what needs a process is here: the exit code reaching the shell, Ctrl-C, and
 * nothing left running. Everything else the plan prints is realProgram.suite.ts, in-process.
 */
import { readdirSync, readFileSync } from "node:fs";
import { startCli } from "./cliProcess";

/** `npm start` with the rehearsal, in its own process group so leftovers can be found. */
describe("npm start with the local rehearsal (child process)", () => {
  /**
   * Live (not zombie) processes of the group: the CLI and whatever it started. Read from
   * /proc, since kill(-pgid, 0) also counts zombies the container's init has not reaped yet.
   */
  function groupMembers(pgid: number): string[] {
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          // "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its ")".
          const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          return Number(group) === pgid && state !== "Z" ? [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`] : [];
        } catch {
          return []; // the process ended while we looked
        }
      });
  }

  it("prints the plan then the rehearsal tables (403, 403, 200, 200; the call chain 200, 403), exit 0, and leaves no process behind", async () => {
    const run = startCli([]);
    const result = await run.done;
    expect(result.code).toBe(0);
    const table = result.stdout.slice(result.stdout.indexOf("Rehearsal: service hello"));
    expect(result.stdout.indexOf("Policies: passed")).toBeLessThan(result.stdout.indexOf("Rehearsal: service hello"));
    expect(table).toMatch(/anonymous +— +\(no token\) +403 +403 +ok/);
    expect(table).toMatch(/outsider +rehearsal-outsider@my-gcp-project\.iam\.gserviceaccount\.com +Authorization +403 +403 +ok/);
    expect(table).toMatch(/invoker +pulumi-smoke@my-gcp-project\.iam\.gserviceaccount\.com +Authorization +200 +200 +ok/);
    expect(table).toMatch(/invoker +pulumi-smoke@my-gcp-project\.iam\.gserviceaccount\.com +X-Serverless-Authorization, app token in Authorization +200 +200 +ok/);
    // The dev stack's call chain: hello → api, and a workload api does not list; its apps and metadata servers are gone too.
    expect(table).toMatch(/hello +hello-svc@my-gcp-project\.iam\.gserviceaccount\.com +X-Serverless-Authorization.* +200 +200 +ok/);
    expect(table).toMatch(/not listed +nightly-job@my-gcp-project\.iam\.gserviceaccount\.com +.* +403 +403 +ok/);
    expect(table).toContain("Rehearsal: 6/6 checks passed");
    expect(result.stdout + result.stderr).not.toMatch(/eyJ[\w-]+\.|ya29\./);
    expect(groupMembers(run.pid)).toEqual([]);
  });

  it.each([
    ["Ctrl-C in a terminal (SIGINT to the whole process group, the app included)", true],
    ["SIGINT to the CLI alone (the app never sees it: the CLI must stop it)", false],
  ])("%s stops the app and the emulator, exit 130", async (_name, wholeGroup) => {
    const run = startCli([]);
    // Interrupt once the app is up: its port is printed on stderr, the checks not yet run.
    await run.waitForStderr(/app listening on http:\/\/127\.0\.0\.1:\d+/);
    process.kill(wholeGroup ? -run.pid : run.pid, "SIGINT");
    const result = await run.done;
    expect(result.stderr).toContain("SIGINT: stopping the rehearsal's app and emulator");
    expect(result.stdout).not.toMatch(/Rehearsal: \d+\/\d+ checks passed/);
    expect(result.code).toBe(130);
    expect(groupMembers(run.pid)).toEqual([]);
  });
});
