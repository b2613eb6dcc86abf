// Preloaded (node -r) into the policy pack process the tests start. Pulumi's
// run-policy-pack registers ts-node with type checking on, which type-checks the
// pack and everything it imports on every start (~10 CPU-seconds here);
// `npm run typecheck` already checks the same files with the same options (the
// root tsconfig includes policy/), so the tests ask the same ts-node to
// transpile only. Everything else about the start is the engine's.
const path = require("node:path");
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [__dirname] }));
// The ts-node run-policy-pack loads: the project's own if installed, else the one vendored in @pulumi/pulumi.
let tsNodePath;
try {
  tsNodePath = require.resolve("ts-node", { paths: [pulumiDir] });
} catch {
  tsNodePath = path.join(pulumiDir, "vendor", "ts-node@7.0.1");
}
const tsNode = require(tsNodePath);
const register = tsNode.register;
tsNode.register = (options) => register({ ...options, typeCheck: false, transpileOnly: true });

// @pulumi/pulumi also loads npm's Arborist (and much of npm with it) for function
// serialization, which a policy pack never does: a lazy stand-in
// (test/support/lazy/arborist.js), ~0.9 CPU-seconds off every start.
// (Only Arborist: ts-node needs the real TypeScript right away.)
const Module = require("node:module");
const LAZY_ARBORIST = path.join(__dirname, "..", "support", "lazy", "arborist.js");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "@npmcli/arborist" ? LAZY_ARBORIST : resolveFilename.call(this, request, ...rest);
};
