/** Tables for the app's pure functions (imported from src; the process-level tests cover the built dist). */
import { pathOf, safeRequestUrl } from "../src/app";
import { ConfigError, intFromEnv, serverSettings } from "../src/env";
import { bearerToken, decodeJwt } from "../src/identity";
import { formatEntry, scrubSecrets } from "../src/log";
import { loggableUrl } from "../src/probe";
import { shardOf, taskEnv } from "../src/task";
import { parseCloudTraceContext, parseTraceparent } from "../src/trace";
import { makeJwt } from "./support/tokens";

describe("trace headers", () => {
  test.each([
    ["105445aa7843bc8bf206b12000100000/1;o=1", { traceId: "105445aa7843bc8bf206b12000100000", spanId: "0000000000000001", sampled: true }],
    ["105445AA7843BC8BF206B12000100000/18446744073709551615;o=0", { traceId: "105445aa7843bc8bf206b12000100000", spanId: "ffffffffffffffff", sampled: false }],
    ["105445aa7843bc8bf206b12000100000", { traceId: "105445aa7843bc8bf206b12000100000" }],
    ["105445aa7843bc8bf206b12000100000/18446744073709551616", { traceId: "105445aa7843bc8bf206b12000100000" }],
    ["105445aa7843bc8bf206b12000100000/0;o=1", { traceId: "105445aa7843bc8bf206b12000100000", sampled: true }],
  ])("X-Cloud-Trace-Context %s", (header, expected) => {
    expect(parseCloudTraceContext(header)).toEqual(expected);
  });

  test.each(["", "xyz", "00000000000000000000000000000000/1", "105445aa7843bc8bf206b1200010000/1", "105445aa7843bc8bf206b12000100000/abc"])("X-Cloud-Trace-Context %j is ignored", (header) => {
    expect(parseCloudTraceContext(header)).toBeUndefined();
  });

  test.each([
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true }],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: false }],
    ["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", undefined],
    ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", undefined],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", undefined],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", undefined],
  ])("traceparent %s", (header, expected) => {
    expect(parseTraceparent(header)).toEqual(expected);
  });
});

describe("token decoding", () => {
  test.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["  BEARER   abc  ", "abc"],
    ["Bearer", undefined],
    ["Bearer a b", undefined],
    ["Basic abc", undefined],
    ["abc", undefined],
  ])("bearerToken(%j)", (value, expected) => {
    expect(bearerToken(value)).toBe(expected);
  });

  test("decodes claims and describes the signature without returning it", () => {
    expect(decodeJwt(makeJwt({ sub: "1" }, "SIGNATURE_REMOVED_BY_GOOGLE"))).toEqual({ claims: { sub: "1" }, signature: "removed-by-google" });
    expect(decodeJwt(makeJwt({ sub: "1" }, ""))).toEqual({ claims: { sub: "1" }, signature: "missing" });
    expect(decodeJwt(makeJwt({ sub: "1" }))).toEqual({ claims: { sub: "1" }, signature: "present" });
  });

  test.each([
    ["a.b", /got 2/],
    ["a.b.c.d", /got 4/],
    [`${Buffer.from("[1]").toString("base64url")}.${Buffer.from("{}").toString("base64url")}.s`, /header is not a JSON object/],
    [`${Buffer.from("{}").toString("base64url")}.${Buffer.from("null").toString("base64url")}.s`, /payload is not a JSON object/],
    ["e30.e=.s", /not base64url/],
  ])("decodeJwt(%j) reports a problem without token text", (token, problem) => {
    const result = decodeJwt(token);
    expect(result).toEqual({ problem: expect.stringMatching(problem) });
  });
});

describe("sharding", () => {
  test.each([
    [5, 1],
    [5, 2],
    [5, 3],
    [2, 5],
    [0, 3],
    [100, 7],
  ])("%i items over %i tasks: every item in exactly one task, sizes differ by at most one", (itemCount, taskCount) => {
    const items = Array.from({ length: itemCount }, (_, i) => `item-${i}`);
    const slices = Array.from({ length: taskCount }, (_, t) => shardOf(items, t, taskCount));
    expect(slices.flat().map((s) => s.index).sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
    const sizes = slices.map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const slice of slices) for (const { index, item } of slice) expect(item).toBe(items[index]);
  });

  test("task env defaults to one local task, and reads Cloud Run's variables", () => {
    expect(taskEnv({})).toEqual({ job: null, execution: null, taskIndex: 0, taskAttempt: 0, taskCount: 1 });
    expect(taskEnv({ CLOUD_RUN_JOB: "j", CLOUD_RUN_EXECUTION: "j-1", CLOUD_RUN_TASK_INDEX: "2", CLOUD_RUN_TASK_ATTEMPT: "1", CLOUD_RUN_TASK_COUNT: "3" })).toEqual({
      job: "j",
      execution: "j-1",
      taskIndex: 2,
      taskAttempt: 1,
      taskCount: 3,
    });
  });
});

describe("environment values", () => {
  test.each([
    [{ PORT: "8081" }, 8081],
    [{ PORT: "" }, 8080],
    [{}, 8080],
    [{ PORT: "0" }, 0],
  ])("PORT from %j", (env, port) => {
    expect(serverSettings(env).port).toBe(port);
  });

  test.each(["-1", "65536", "80.5", "0x50", "eighty", "1e3"])("PORT=%j is refused naming the key, value and fix", (value) => {
    expect(() => serverSettings({ PORT: value })).toThrow(ConfigError);
    expect(() => serverSettings({ PORT: value })).toThrow(`PORT=${JSON.stringify(value)} is not an integer between 0 and 65535; set PORT`);
  });

  test("SHUTDOWN_GRACE_MS cannot reach Cloud Run's 10 s SIGKILL", () => {
    expect(() => serverSettings({ SHUTDOWN_GRACE_MS: "10000" })).toThrow(/SHUTDOWN_GRACE_MS="10000" .*below Cloud Run's 10 s/);
    expect(intFromEnv({ X: " 7 " }, "X", 1, 0, 9, "fix")).toBe(7);
  });

  test.each([
    [undefined, false],
    ["", false],
    ["off", false],
    ["OFF", false],
    ["on", true],
    [" On ", true],
  ])("REQUEST_LOGS=%j → request logs %s", (value, expected) => {
    expect(serverSettings(value === undefined ? {} : { REQUEST_LOGS: value }).requestLogs).toBe(expected);
  });

  test.each(["yes", "1", "true"])("REQUEST_LOGS=%j is refused with the fix", (value) => {
    expect(() => serverSettings({ REQUEST_LOGS: value })).toThrow(`REQUEST_LOGS=${JSON.stringify(value)} is not on or off; set REQUEST_LOGS=on to write one line per request (Cloud Run's request log already has them), or unset it`);
  });
});

describe("secrets stay out of logs", () => {
  test.each([
    [makeJwt({ sub: "1" }), "[redacted-jwt]"],
    ["Authorization: Bearer abc.def", "Bearer [redacted]"],
    ["basic dXNlcjpwdw==", "basic [redacted]"],
    ["token ya29.a0AfH6SMB-xyz_123", "token [redacted-access-token]"],
  ])("scrubSecrets hides %s", (text, expected) => {
    expect(scrubSecrets(text)).toContain(expected);
  });

  test("formatEntry scrubs fields too, and severity/message cannot be overridden by fields", () => {
    const token = makeJwt({ sub: "1" });
    const line = JSON.parse(formatEntry("INFO", "hello", { note: `got ${token}`, severity: "DEBUG", message: "x" })) as Record<string, string>;
    expect(line).toMatchObject({ severity: "INFO", message: "hello", note: "got [redacted-jwt]" });
  });

  test.each([
    ["/whoami", "/whoami"],
    ["/x?token=abc&a=1", "/x?token=REDACTED&a=1"],
    ["/x?API_KEY=abc&sig=1&Password=p&code=c", "/x?API_KEY=REDACTED&sig=REDACTED&Password=REDACTED&code=REDACTED"],
    ["/x?a=1&a=2", "/x?a=1&a=2"],
  ])("safeRequestUrl(%j)", (url, expected) => {
    expect(safeRequestUrl(url)).toBe(expected);
  });

  test("loggableUrl redacts query credentials in job URLs", () => {
    expect(loggableUrl(new URL("https://e.com/p?access_token=t&q=1"))).toBe("https://e.com/p?access_token=REDACTED&q=1");
  });

  test.each([
    ["/health/", "/health/"],
    ["http://host/whoami?x", "/whoami"],
    ["/a/../health", "/health"],
  ])("pathOf(%j)", (url, path) => {
    expect(pathOf(url)).toBe(path);
  });
});
