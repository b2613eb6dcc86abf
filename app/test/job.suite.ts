/**
 * The built job (app/dist/job.js) as real processes with Cloud Run's task
 * variables: each task probes its round-robin slice of the URLs against a
 * local HTTP server, logs JSON lines, and its exit code says whether its slice
 * passed (non-zero makes Cloud Run retry the task).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runJob, type LogEntry } from "./support/appProcess";

let targets: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  targets = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url?.startsWith("/ok")) res.writeHead(200).end("ok");
    else if (req.url?.startsWith("/bad")) res.writeHead(503).end("down");
    // /hang never answers: the job's timeout must handle it.
  });
  await new Promise<void>((resolve) => targets.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(targets.address() as AddressInfo).port}`;
});

afterAll(async () => {
  targets.closeAllConnections();
  await new Promise((resolve) => targets.close(resolve));
});

function taskVars(index: number, count: number, attempt = 0): Record<string, string> {
  return { CLOUD_RUN_JOB: "nightly", CLOUD_RUN_EXECUTION: "nightly-x7k2p", CLOUD_RUN_TASK_INDEX: String(index), CLOUD_RUN_TASK_ATTEMPT: String(attempt), CLOUD_RUN_TASK_COUNT: String(count) };
}

const probes = (entries: LogEntry[]) => entries.filter((e) => e.message.startsWith("probe "));

test("two tasks split four URLs round-robin: the task with the failing URL exits 1, the other 0", async () => {
  const urls = [`${base}/ok/0`, `${base}/ok/1`, `${base}/bad/2`, `${base}/ok/3`];
  const [task0, task1] = await Promise.all([runJob(urls, taskVars(0, 2)), runJob(urls, taskVars(1, 2, 1))]);

  expect(task0.code).toBe(1);
  expect(probes(task0.entries).map((e) => [e.urlIndex, e.ok, e.status])).toEqual([
    [0, true, 200],
    [2, false, 503],
  ]);
  expect(task0.entries).toContainEqual(expect.objectContaining({ severity: "ERROR", message: "probe failed", url: `${base}/bad/2`, failure: "HTTP 503" }));
  expect(task0.entries.at(-1)).toMatchObject({ severity: "ERROR", message: "task failed", probed: 2, failed: 1 });

  expect(task1.code).toBe(0);
  expect(probes(task1.entries).map((e) => e.urlIndex)).toEqual([1, 3]);
  expect(task1.entries.at(-1)).toMatchObject({ severity: "INFO", message: "task succeeded", probed: 2, failed: 0 });

  // Every line carries the task's coordinates from Cloud Run's variables.
  for (const entry of task1.entries) {
    expect(entry).toMatchObject({ job: "nightly", execution: "nightly-x7k2p", taskIndex: 1, taskAttempt: 1, taskCount: 2 });
  }
  // Together the tasks probed each URL exactly once.
  expect([...hits].filter((h) => /^\/(ok|bad)\/\d$/.test(h)).sort()).toEqual(["/bad/2", "/ok/0", "/ok/1", "/ok/3"]);
});

test("JOB_URLS is used when there are no arguments, and a one-task run probes all of it", async () => {
  const result = await runJob([], { JOB_URLS: `${base}/ok/a, ${base}/ok/b\n${base}/ok/c` });
  expect(result.code).toBe(0);
  expect(probes(result.entries)).toHaveLength(3);
  expect(result.entries[0]).toMatchObject({ message: "task started", urlsTotal: 3, urlsInShard: 3, taskIndex: 0, taskCount: 1, job: null });
});

test("more tasks than URLs: a task with an empty slice succeeds without probing", async () => {
  const result = await runJob([`${base}/ok/only`], taskVars(3, 5));
  expect(result.code).toBe(0);
  expect(probes(result.entries)).toHaveLength(0);
  expect(result.entries.at(-1)).toMatchObject({ message: "task succeeded", probed: 0 });
});

test("a URL that never answers fails by timeout", async () => {
  const result = await runJob([`${base}/hang`], { JOB_PROBE_TIMEOUT_MS: "200" });
  expect(result.code).toBe(1);
  expect(probes(result.entries)).toEqual([expect.objectContaining({ ok: false, status: null, failure: "TimeoutError" })]);
});

test("a refused connection fails with its error code", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const result = await runJob([`http://127.0.0.1:${port}/`]);
  expect(result.code).toBe(1);
  expect(probes(result.entries)[0]).toMatchObject({ ok: false, failure: "ECONNREFUSED" });
});

test("credential-looking query values are redacted in the logs", async () => {
  const result = await runJob([`${base}/ok/q?api_key=s3cr3t-value-123&page=2`]);
  expect(result.code).toBe(0);
  expect(probes(result.entries)[0]).toMatchObject({ url: `${base}/ok/q?api_key=REDACTED&page=2` });
  expect(result.output).not.toContain("s3cr3t-value-123");
});

test("no URLs at all: a warning that says how to give them, and exit 0", async () => {
  const result = await runJob([], taskVars(0, 1));
  expect(result.code).toBe(0);
  expect(result.entries).toContainEqual(expect.objectContaining({ severity: "WARNING", message: expect.stringContaining("JOB_URLS") }));
});

test.each([
  // Config is checked before any probe, so these URLs are never fetched.
  ["an index not below the count", ["http://127.0.0.1:9/ok"], taskVars(2, 2), 'CLOUD_RUN_TASK_INDEX="2" is not below CLOUD_RUN_TASK_COUNT=2'],
  ["a non-numeric count", ["http://127.0.0.1:9/ok"], { CLOUD_RUN_TASK_COUNT: "two" }, 'CLOUD_RUN_TASK_COUNT="two" is not an integer between 1 and 10000'],
  ["an argument that is not a URL", ["not a url"], {}, 'argument 1: "not a url" is not a URL; give absolute URLs'],
  ["a non-http URL", ["ftp://example.com/x"], {}, 'argument 1: "ftp:" is not http or https'],
  ["a URL with credentials", ["https://user:pw@example.com/"], {}, "argument 1: a URL with user:password; remove the credentials"],
])("bad input (%s) exits 1 with one CRITICAL line naming it", async (_name, args, env, message) => {
  const result = await runJob(args, env);
  expect(result.code).toBe(1);
  expect(result.entries).toEqual([expect.objectContaining({ severity: "CRITICAL", message: expect.stringContaining(message) })]);
  expect(result.output).not.toContain("user:pw");
});
