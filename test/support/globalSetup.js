// jest globalSetup: a fresh directory per jest run in which test/support/sharedEvaluations.ts
// keeps the repository's stacks, evaluated once for every suite that only reads them.
// Workers inherit the variable (they start after this); globalTeardown.js removes it.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async function globalSetup() {
  process.env.PCR_SHARED_EVALUATIONS_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pcr-evaluations-"));
};
