/**
 * IAM Credentials `generateIdToken` / `generateAccessToken`: impersonation,
 * refused unless the Token Creator allow-list (when set) lets the caller.
 */
import { isServiceAccountEmail, membersInclude } from "../members";
import { apiError, type GoogleApisState } from "./state";

/** Token Creator check: 403 unless the allow-list (when set) lets `caller` mint tokens for `target`. */
function authorizeImpersonation(state: GoogleApisState, caller: string, target: string, permission: string): void {
  if (!isServiceAccountEmail(target)) {
    throw apiError(400, "INVALID_ARGUMENT", `"${target}" is not a service-account email`);
  }
  if (state.tokenCreators === undefined) return;
  if (!membersInclude(state.tokenCreators[target] ?? [], caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission '${permission}' denied on resource (or it may not exist).`);
  }
}

export async function generateIdToken(state: GoogleApisState, caller: string, target: string, body: Record<string, unknown>): Promise<{ token: string }> {
  authorizeImpersonation(state, caller, target, "iam.serviceAccounts.getOpenIdToken");
  if (typeof body.audience !== "string" || body.audience === "") throw apiError(400, "INVALID_ARGUMENT", "audience is required");
  const token = await state.issuer.mintIdToken({ email: target, audience: body.audience, includeEmail: body.includeEmail === true });
  return { token };
}

export function generateAccessToken(state: GoogleApisState, caller: string, target: string, body: Record<string, unknown>): { accessToken: string; expireTime: string } {
  authorizeImpersonation(state, caller, target, "iam.serviceAccounts.getAccessToken");
  if (!Array.isArray(body.scope) || body.scope.length === 0) throw apiError(400, "INVALID_ARGUMENT", "Scope required.");
  const lifetime = parseLifetime(body.lifetime);
  const accessToken = state.issuer.mintAccessToken(target, { expiresInSeconds: lifetime });
  return { accessToken, expireTime: new Date(Date.now() + lifetime * 1000).toISOString() };
}

function parseLifetime(lifetime: unknown): number {
  if (lifetime === undefined) return 3600;
  const match = typeof lifetime === "string" ? /^(\d+)s$/.exec(lifetime) : null;
  const seconds = match ? Number(match[1]) : NaN;
  if (!(seconds > 0 && seconds <= 3600)) {
    throw apiError(400, "INVALID_ARGUMENT", `lifetime ${JSON.stringify(lifetime)} must be "Ns" with 0 < N <= 3600`);
  }
  return seconds;
}
