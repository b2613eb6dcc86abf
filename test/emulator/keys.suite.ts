import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { TokenIssuer, resetKeyPairSource, startGoogleApis, useKeyPairSource, type SigningKeyPair } from "../../emulator";
import { readSigningKeyPool } from "../support/keyPool";

/** A key pair's public modulus: identifies it without showing anything private. */
function modulus(key: KeyObject | string): string {
  const publicKey = typeof key !== "string" && key.type === "public" ? key : createPublicKey(key);
  return publicKey.export({ format: "jwk" }).n as string;
}

function issuerModulus(issuer: TokenIssuer): string {
  return issuer.jwks().keys[0].n as string;
}

function issuerKeyBits(issuer: TokenIssuer): number | undefined {
  const { kty, n, e } = issuer.jwks().keys[0];
  return createPublicKey({ key: { kty, n, e }, format: "jwk" }).asymmetricKeyDetails?.modulusLength;
}

const pool = readSigningKeyPool() ?? [];
const poolModuli = new Set(pool.map((pem) => modulus(pem)));

function poolPair(index: number): SigningKeyPair {
  const privateKey = createPrivateKey(pool[index]);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

describe("the default source (emulator CLI, the plan's rehearsal)", () => {
  test("makes a fresh 2048-bit RSA key pair for every issuer, none from the test pool", () => {
    const pooled = resetKeyPairSource();
    try {
      const first = new TokenIssuer();
      const second = new TokenIssuer();
      expect(issuerModulus(first)).not.toBe(issuerModulus(second));
      for (const issuer of [first, second]) {
        expect(poolModuli.has(issuerModulus(issuer))).toBe(false);
        expect(issuerKeyBits(issuer)).toBe(2048);
      }
    } finally {
      useKeyPairSource(pooled);
    }
  });
});

describe("an installed source", () => {
  test("supplies the issuer's key and each service-account key, one call each", async () => {
    const supplied = [poolPair(0), poolPair(1)];
    let calls = 0;
    const previous = useKeyPairSource(() => supplied[calls++]);
    try {
      const issuer = new TokenIssuer();
      const apis = await startGoogleApis({ issuer });
      try {
        const key = apis.createServiceAccountKey("keys-test@proj.iam.gserviceaccount.com");
        expect(calls).toBe(2);
        expect(issuerModulus(issuer)).toBe(modulus(supplied[0].publicKey));
        expect(modulus(key.private_key)).toBe(modulus(supplied[1].publicKey));
      } finally {
        await apis.close();
      }
    } finally {
      useKeyPairSource(previous);
    }
  });
});

describe("jest's pool (test/support/keyPool.ts)", () => {
  test("is installed, and issuers made one after another get distinct 2048-bit keys from it", () => {
    expect(pool.length).toBeGreaterThanOrEqual(2);
    const moduli = Array.from({ length: pool.length + 1 }, () => {
      const issuer = new TokenIssuer();
      expect(issuerKeyBits(issuer)).toBe(2048);
      return issuerModulus(issuer);
    });
    for (const n of moduli) expect(poolModuli.has(n)).toBe(true);
    // Round-robin: any pool.length draws in a row are distinct, so consecutive ones always are.
    expect(new Set(moduli.slice(0, pool.length)).size).toBe(pool.length);
    expect(new Set(moduli.slice(1)).size).toBe(pool.length);
  });
});
