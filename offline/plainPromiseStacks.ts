/**
 * @pulumi/pulumi captures `new Error().stack` for every promise it tracks
 * (runtime/debuggable.js), a debugging aid it prints only when it reports leaked promises
 * at exit. Under tsx, source maps are on, so each capture maps every frame through the
 * compiled files' source maps: about a tenth of the CPU of every `npm run plan`. The plan
 * CLI imports this first: those captures are formatted the way V8 does by default
 * (compiled positions, Node's 10 frames); every other stack, including each error the CLI
 * reports, stays source-mapped. The jest tests do the same in test/support/environment.js.
 */
import Module from "node:module";
import path from "node:path";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
type Resolve = (request: string, parent: unknown, isMain: boolean) => string;
type Capture = (this: unknown, ...args: unknown[]) => unknown;

const loader = Module as unknown as { _load: Load; _resolveFilename: Resolve };
const load = loader._load;
const DEBUGGABLE = require.resolve("@pulumi/pulumi/runtime/debuggable.js");
let wrapped = false;

// Watches for the module without loading it: the plan's --help stays free of Pulumi.
loader._load = function watchingLoad(this: unknown, request, parent, isMain) {
  const exports = load.call(this, request, parent, isMain);
  if (!wrapped && path.basename(request, ".js") === "debuggable" && loader._resolveFilename(request, parent, isMain) === DEBUGGABLE) {
    wrapped = formatCapturesPlainly(exports as { debuggablePromise?: Capture });
  }
  return exports;
};

/** Wraps the capturing function; false while the module is still loading (a require cycle). Its callers read it per call. */
function formatCapturesPlainly(debuggable: { debuggablePromise?: Capture }): boolean {
  const capture = debuggable.debuggablePromise;
  if (typeof capture !== "function") return false;
  debuggable.debuggablePromise = function (...args) {
    const mapped = Error.prepareStackTrace;
    Error.prepareStackTrace = formatPlainly;
    try {
      return capture.apply(this, args);
    } finally {
      Error.prepareStackTrace = mapped;
    }
  };
  return true;
}

function formatPlainly(error: Error, frames: NodeJS.CallSite[]): string {
  return [String(error), ...frames.map((frame) => `    at ${String(frame)}`)].join("\n");
}
