import { TokenError } from "./errors";

/** Bounds the token mint too: a hung metadata server must not hang the caller. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what = "an ID token"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TokenError(`timed out after ${ms / 1000}s getting ${what}`, "check the credential source: the metadata server, the IAM Credentials endpoint, or the network")),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms` milliseconds: the default wait between retries and polls. */
export const sleepFor = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
