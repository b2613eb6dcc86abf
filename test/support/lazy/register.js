// Preload (node --require) for test child processes that load Pulumi but never serialize
// a function: `typescript` and `@npmcli/arborist` resolve to the same lazy stand-ins
// jest.config.js maps them to (the real module loads on first use), ~1.7 CPU-s a start.
const Module = require("node:module");
const path = require("node:path");

const STAND_INS = { typescript: path.join(__dirname, "typescript.js"), "@npmcli/arborist": path.join(__dirname, "arborist.js") };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  // The stand-ins themselves resolve the real modules by path, so only bare requests are redirected.
  return Object.hasOwn(STAND_INS, request) ? STAND_INS[request] : resolveFilename.call(this, request, parent, ...rest);
};
