// The policy pack process (test/policy/transpileOnlyPack.js) resolves `@npmcli/arborist`
// here. @pulumi/pulumi loads it (and through it much of npm: pacote, sigstore, tuf…)
// when it is loaded, for function serialization's package lookup, which a policy pack
// never runs: ~0.9 s per start. Its one importer reads `arborist.Arborist` when it
// serializes a function; the getter loads the real module then.
const path = require("node:path");

let real;
const load = () => (real ??= require(path.join(path.dirname(require.resolve("@npmcli/arborist/package.json")), "lib", "index.js")));

// Marked as an ES module so the importer's __importStar keeps this object instead of
// copying (and so reading) every export.
exports.__esModule = true;
Object.defineProperty(exports, "Arborist", { enumerable: true, get: () => load().Arborist });
