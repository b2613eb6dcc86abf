// jest globalSetup: a fresh directory per jest run in which test/support/sharedEvaluations.ts
// keeps the repository's stacks, evaluated once for every suite that only reads them.
// Workers inherit the environment set here (they start after this); globalTeardown.js
// removes the directory.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { generateKeyPair } = require("node:crypto");
const { promisify } = require("node:util");

/** How many RSA key pairs test/support/keyPool.ts hands out round-robin (CONTRIBUTING.md). */
const SIGNING_KEY_POOL_SIZE = 4;

module.exports = async function globalSetup() {
  // Node reads and parses the CA bundle NODE_EXTRA_CA_CERTS names at every process start,
  // about 40 ms of CPU, and the suite starts about a hundred processes. No test makes a TLS
  // connection it would verify against that bundle (they talk to 127.0.0.1), so the workers
  // and everything they start go without it.
  delete process.env.NODE_EXTRA_CA_CERTS;
  process.env.PCR_SHARED_EVALUATIONS_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pcr-evaluations-"));
  await writeSigningKeyPool(process.env.PCR_SHARED_EVALUATIONS_DIR);
};

/**
 * The emulator's signing keys for this run, made once in parallel (the async generator uses
 * libuv's threads) instead of ~0.14 CPU-s per TokenIssuer / service-account key in the tests.
 * Fresh every run, private to it (mode 0600 in the mkdtemp directory), removed by globalTeardown.
 */
async function writeSigningKeyPool(dir) {
  const options = { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } };
  const pairs = await Promise.all(Array.from({ length: SIGNING_KEY_POOL_SIZE }, () => promisify(generateKeyPair)("rsa", options)));
  fs.writeFileSync(path.join(dir, "signing-keys.json"), JSON.stringify(pairs.map((pair) => pair.privateKey)), { mode: 0o600 });
}
