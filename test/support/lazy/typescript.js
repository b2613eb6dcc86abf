// jest.config.js maps `typescript` here. @pulumi/pulumi requires TypeScript when it
// is loaded (function serialization and its provider analyzer, neither used under
// mocks): ~0.8 s per test file that touches Pulumi. This stands in for it and loads
// the real module on first use, so a test that does use TypeScript still gets it.
const path = require("node:path");

let real;
const load = () => (real ??= require(path.join(path.dirname(require.resolve("typescript/package.json")), require("typescript/package.json").main)));

module.exports = new Proxy(
  {},
  {
    // The real module has no __esModule flag; answering that alone must not load it.
    get: (_target, key) => (key === "__esModule" ? undefined : load()[key]),
    has: (_target, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      // tsx's CommonJS loader asks each module for a "module.exports" property (an ES-module
      // interop marker): neither it nor __esModule is TypeScript's, so no need to load it to say so.
      if (key === "module.exports" || key === "__esModule") return undefined;
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  },
);
