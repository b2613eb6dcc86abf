/**
 * The emulator's signing key pairs in tests come from the pool test/support/globalSetup.js
 * generated for this run, instead of a fresh RSA pair per TokenIssuer and service-account key
 * (emulator/keys.ts); keyPoolSetup.ts (jest setupFiles) installs it in every test file.
 * Handed out round-robin from the first, so issuers created one after another in a test file
 * get distinct keys (a token signed by another issuer must be refused);
 * test/emulator/keys.suite.ts checks it. Without a pool (jest run without globalSetup), the
 * emulator's default stays: a fresh pair each time.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useKeyPairSource, type SigningKeyPair } from "../../emulator/keys";

/** The pool file globalSetup.js writes: a JSON array of PKCS#8 PEM private keys. */
export const SIGNING_KEY_POOL_FILE = "signing-keys.json";

/** This run's pool, or undefined when there is none. */
export function readSigningKeyPool(): string[] | undefined {
  const dir = process.env.PCR_SHARED_EVALUATIONS_DIR;
  if (!dir) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, SIGNING_KEY_POOL_FILE), "utf8")) as string[];
  } catch {
    return undefined;
  }
}

/** A source handing out `pems` round-robin, each parsed once. */
export function roundRobin(pems: string[]): () => SigningKeyPair {
  const parsed: SigningKeyPair[] = [];
  let next = 0;
  return () => {
    const index = next++ % pems.length;
    if (!parsed[index]) {
      const privateKey = createPrivateKey(pems[index]);
      parsed[index] = { privateKey, publicKey: createPublicKey(privateKey) };
    }
    return parsed[index];
  };
}

/** Hands this run's pool out to the emulator, if there is one. */
export function installSigningKeyPool(): void {
  const pool = readSigningKeyPool();
  if (pool && pool.length > 1) useKeyPairSource(roundRobin(pool));
}
