/** Test ID tokens: real JWT structure with made-up claims (never verified by the app, so no key is needed). */
import { randomBytes } from "node:crypto";

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWT with the given claims and signature segment (random base64url unless given). */
export function makeJwt(claims: Record<string, unknown>, signature: string = randomBytes(256).toString("base64url")): string {
  return `${encode({ alg: "RS256", kid: "test-key", typ: "JWT" })}.${encode(claims)}.${signature}`;
}

/** Claims shaped like a Google-signed ID token for a service account calling a Cloud Run service. */
export function googleClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: "https://hello-abc123-de.a.run.app",
    azp: "112233445566778899000",
    email: "smoke@demo-project.iam.gserviceaccount.com",
    email_verified: true,
    exp: now + 3600,
    iat: now,
    iss: "https://accounts.google.com",
    sub: "112233445566778899000",
    ...overrides,
  };
}

/** The pieces of a token that must never appear in output: the whole token and each segment. */
export function secretPartsOf(token: string): string[] {
  return [token, ...token.split(".").filter((s) => s.length >= 8)];
}
