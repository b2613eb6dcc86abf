/**
 * Where the emulator's RSA signing key pairs come from: the token issuer's ID-token
 * key and each service-account key the Google APIs stand-in creates. By default a
 * fresh 2048-bit pair every time (the emulator CLI, the plan's rehearsal). A test
 * run may install another source: jest hands out pairs generated once per run
 * (test/support/keyPool.ts), since making one costs ~0.14 CPU-s.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";

/** An RS256 signing key pair. */
export interface SigningKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Makes (or hands out) a key pair; called once per issuer and once per service-account key. */
export type KeyPairSource = () => SigningKeyPair;

/**
 * A fresh RSA 2048 key pair. Synchronous, so `new TokenIssuer()` and
 * `createServiceAccountKey` stay synchronous.
 */
export function generateSigningKeyPair(): SigningKeyPair {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

let source: KeyPairSource = generateSigningKeyPair;

/** The next signing key pair, from the installed source (a fresh one unless a test installed another). */
export function newSigningKeyPair(): SigningKeyPair {
  return source();
}

/** Installs `next` as the source of key pairs (for tests); returns the one it replaces. */
export function useKeyPairSource(next: KeyPairSource): KeyPairSource {
  const previous = source;
  source = next;
  return previous;
}

/** Back to a fresh key pair each time; returns the source it replaces. */
export function resetKeyPairSource(): KeyPairSource {
  return useKeyPairSource(generateSigningKeyPair);
}
