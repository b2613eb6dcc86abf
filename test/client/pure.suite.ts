/** Table tests of the client's pure parts: header choice, retry policy, redaction, diagnosis, env, job polls. */
import { selectTokenHeader, withIdToken, parseHeaderMode } from "../../client/headers";
import { backoffDelayMs, isRetryableStatus, nextDelayMs, resolveRetryOptions, retryAfterMs } from "../../client/retry";
import { redact } from "../../client/redact";
import { explainForbidden, explainUnauthorized, sameAudience } from "../../client/diagnose";
import { clientEnvironment } from "../../client/env";
import { ClientError, InvokeError } from "../../client/errors";
import { nextPollDelayMs } from "../../client/runJob";

/** An unsigned JWT with the given claims (diagnosis never verifies). */
function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", kid: "k" })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe("selectTokenHeader", () => {
  test.each([
    ["auto", {}, "authorization"],
    ["auto", { authorization: "Bearer app" }, "x-serverless-authorization"],
    ["auto", { Authorization: "Basic abc" }, "x-serverless-authorization"],
    ["authorization", {}, "authorization"],
    ["x-serverless", {}, "x-serverless-authorization"],
    ["x-serverless", { authorization: "Bearer app" }, "x-serverless-authorization"],
  ] as const)("mode %s with headers %j → %s", (mode, headers, expected) => {
    expect(selectTokenHeader(mode, new Headers(headers))).toBe(expected);
  });

  test("withIdToken keeps the app's Authorization untouched in auto mode", () => {
    const headers = withIdToken({ authorization: "Bearer app", "x-other": "1" }, "ID", "auto");
    expect(headers.get("authorization")).toBe("Bearer app");
    expect(headers.get("x-serverless-authorization")).toBe("Bearer ID");
    expect(headers.get("x-other")).toBe("1");
  });

  test("withIdToken refuses to overwrite the app's Authorization in authorization mode", () => {
    expect(() => withIdToken({ authorization: "Bearer app" }, "ID", "authorization")).toThrow(/would replace the Authorization header/);
  });

  test("parseHeaderMode names the key, the value and the choices", () => {
    expect(parseHeaderMode("x-serverless")).toBe("x-serverless");
    expect(() => parseHeaderMode("bearer", "--header-mode")).toThrow('--header-mode: "bearer" is not a header mode; use one of auto, authorization, x-serverless');
  });
});

describe("retry policy", () => {
  test.each([
    [429, false, true],
    [502, false, true],
    [503, false, true],
    [504, false, true],
    [500, false, false],
    [401, false, false],
    [401, true, false],
    [403, false, false],
    [403, true, true],
    [404, true, false],
    [200, true, false],
  ])("status %i (retryForbidden=%s) retryable=%s", (status, retryForbidden, expected) => {
    expect(isRetryableStatus(status, retryForbidden)).toBe(expected);
  });

  test("defaults: 4 attempts / 30 s normally, deadline-bound 10 min when waiting for IAM", () => {
    expect(resolveRetryOptions()).toEqual({ retryForbidden: false, maxAttempts: 4, deadlineMs: 30_000, baseDelayMs: 500, maxDelayMs: 10_000 });
    const iam = resolveRetryOptions({ retryForbidden: true });
    expect(iam.deadlineMs).toBe(600_000);
    expect(iam.maxAttempts).toBe(10_000);
    expect(resolveRetryOptions({ maxAttempts: 1e9 }).maxAttempts).toBe(10_000);
  });

  test("full-jitter backoff doubles its ceiling and caps it", () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelayMs(attempt, options, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
  });

  test("nextDelayMs stops at maxAttempts and at the deadline, and never waits past the deadline", () => {
    const options = resolveRetryOptions({ maxAttempts: 3, deadlineMs: 1_000, baseDelayMs: 800, maxDelayMs: 5_000 });
    const top = () => 0.999;
    expect(nextDelayMs({ attempt: 3, elapsedMs: 0 }, options, top)).toBeUndefined();
    expect(nextDelayMs({ attempt: 1, elapsedMs: 1_000 }, options, top)).toBeUndefined();
    expect(nextDelayMs({ attempt: 2, elapsedMs: 900 }, options, top)).toBe(100);
    expect(nextDelayMs({ attempt: 1, elapsedMs: 0, retryAfter: 300 }, options, top)).toBe(300);
  });

  test("Retry-After in seconds or as a date", () => {
    expect(retryAfterMs("3")).toBe(3_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
  });
});

describe("redact", () => {
  const jwt = fakeJwt({ email: "a@b.c", aud: "https://x" });
  test.each([
    [`token ${jwt} leaked`, "token [redacted JWT] leaked"],
    ["got ya29.a0AfH6SMBx-y_z.more here", "got [redacted access token] here"],
    ["Authorization: Bearer opaque-secret-123", "Authorization: Bearer [redacted]"],
    ['{"refresh_token":"1//0gAbCdEfGhIjKlMnOpQrStUv"}', '{"refresh_token":"[redacted refresh token]"}'],
    ["nothing secret", "nothing secret"],
  ])("%s", (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  test("errors redact their message and hint and carry no cause", () => {
    const error = new InvokeError(`bad ${jwt}`, `retry with Bearer ${jwt}`, 401, "https://x/", 1);
    expect(error.message).not.toContain(jwt);
    expect(error.hint).toBe("retry with Bearer [redacted JWT]");
    expect(error).toBeInstanceOf(ClientError);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(jwt.split(".")[1]);
    expect((error as Error & { cause?: unknown }).cause).toBeUndefined();
  });
});

describe("diagnosis of refusals", () => {
  const now = 1_800_000_000;
  test.each([
    ["an access token", "ya29.opaque", /OAuth access token was sent/],
    ["not a JWT", "garbage", /not a JWT/],
    ["expired", fakeJwt({ aud: "https://svc.run.app", exp: now - 10 }), /expired at/],
    ["wrong audience", fakeJwt({ aud: "https://other.run.app", exp: now + 100 }), /wrong audience: the token.s aud is "https:\/\/other.run.app", not this service.s URL "https:\/\/svc.run.app"/],
  ])("401 with %s", (_label, token, expected) => {
    expect(explainUnauthorized(token, "https://svc.run.app", now)).toMatch(expected);
  });

  test("a trailing slash does not make a different audience", () => {
    expect(sameAudience("https://svc.run.app/", "https://svc.run.app")).toBe(true);
    expect(explainUnauthorized(fakeJwt({ aud: "https://svc.run.app/", exp: now + 100 }), "https://svc.run.app", now)).not.toMatch(/wrong audience/);
  });

  test("403 explanations: no token vs not an invoker (with the member to grant)", () => {
    expect(explainForbidden("The request was not authenticated.", undefined, "https://svc.run.app/x")).toMatch(/saw no token/);
    const notInvoker = explainForbidden("Your client does not have permission", "ci@p.iam.gserviceaccount.com", "https://svc.run.app/x");
    expect(notInvoker).toMatch(/add serviceAccount:ci@p.iam.gserviceaccount.com to the service's invokers/);
    expect(explainForbidden("", "alice@example.com", "https://svc.run.app/")).toMatch(/user:alice@example.com/);
  });
});

describe("clientEnvironment", () => {
  test("defaults to Google's endpoints", () => {
    expect(clientEnvironment({})).toEqual({ runApi: "https://run.googleapis.com", iamCredentialsEndpoint: "https://iamcredentials.googleapis.com" });
  });
  test("reads overrides and trims the trailing slash", () => {
    expect(clientEnvironment({ PCR_RUN_API: "http://127.0.0.1:9/", PCR_IAM_CREDENTIALS_ENDPOINT: "http://127.0.0.1:8" })).toEqual({
      runApi: "http://127.0.0.1:9",
      iamCredentialsEndpoint: "http://127.0.0.1:8",
    });
  });
  test("bad values name the variable, the value and the fix", () => {
    expect(() => clientEnvironment({ PCR_RUN_API: "run.googleapis.com" })).toThrow('PCR_RUN_API: "run.googleapis.com" is not a URL; set it to an http(s) base URL such as https://run.googleapis.com, or unset it');
    expect(() => clientEnvironment({ PCR_IAM_CREDENTIALS_ENDPOINT: "ftp://x" })).toThrow(/PCR_IAM_CREDENTIALS_ENDPOINT: "ftp:\/\/x" must be http\(s\)/);
  });
});

describe("job poll schedule", () => {
  /** The first `n` delays runJob waits between polls. */
  function schedule(longestMs: number, n: number): number[] {
    const delays: number[] = [];
    for (let delay = 0; delays.length < n; ) delays.push((delay = nextPollDelayMs(delay, longestMs)));
    return delays;
  }

  it("polls a short execution soon (0.5 s), then backs off to the interval", () => {
    expect(schedule(2_000, 5)).toEqual([500, 1_000, 2_000, 2_000, 2_000]);
    expect(schedule(1_200, 4)).toEqual([500, 1_000, 1_200, 1_200]);
  });

  it("never waits longer than the interval, even the first time", () => {
    expect(schedule(50, 3)).toEqual([50, 50, 50]);
  });
});
