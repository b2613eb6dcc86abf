// jest globalTeardown: removes the run's shared-evaluations directory (see globalSetup.js).
const fs = require("node:fs");

module.exports = async function globalTeardown() {
  const dir = process.env.PCR_SHARED_EVALUATIONS_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
