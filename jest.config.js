// Tests are compiled by swc without type checking (fast, low memory);
// `npm run typecheck` runs `tsc --noEmit` once over everything instead.
// How the suite stays fast, and what a new test should do: CONTRIBUTING.md.
const os = require("node:os");

/** @type {import('jest').Config} */
module.exports = {
  // One worker more than the cores: jest's default (cores - 1) is one on a 2-core machine, and
  // many tests wait on servers, child processes and timeouts (test/client spends most of its
  // wall time waiting), which leaves a core idle unless another file runs meanwhile.
  maxWorkers: os.availableParallelism() + 1,
  testEnvironment: "<rootDir>/test/support/environment.js",
  // One test file per directory of *.suite.ts files (test/support/suites.ts), started
  // longest first (test/support/sequencer.js).
  testMatch: ["**/*.test.ts"],
  testSequencer: "<rootDir>/test/support/sequencer.js",
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
  // Whole-program Pulumi runs and real child processes need more than the 5 s default.
  testTimeout: 60000,
  // A directory per run for the stacks suites share (test/support/sharedEvaluations.ts).
  globalSetup: "<rootDir>/test/support/globalSetup.js",
  globalTeardown: "<rootDir>/test/support/globalTeardown.js",
  setupFiles: [
    "<rootDir>/test/support/keyPoolSetup.ts", // the run's RSA signing keys for the emulator
    // What @pulumi/pulumi loads but a program under mocks never uses (TypeScript, Arborist,
    // the Automation API, gRPC…) loads on first use instead.
    "<rootDir>/test/support/deferredModulesSetup.ts",
  ],
  reporters: ["default", "<rootDir>/test/support/summaryReporter.js"],
};
