/**
 * @pulumi/pulumi loads, as soon as it is loaded, much that a program under mocks never
 * runs: TypeScript (9 MB of JavaScript) and npm's Arborist for function serialization,
 * the Automation API with its YAML parser and process helpers, gRPC and its clients for
 * talking to a real engine. The offline plan imports this first so that those load on
 * first use instead (DEFERRED says why each is safe): CPU off every `npm start` and
 * `npm run plan`. Nothing else changes: the first read of a property loads the real
 * module and answers from it. `pulumi up` (index.ts) does not use this. The jest tests
 * defer TypeScript and Arborist through jest.config.js (test/support/lazy/).
 */
import Module from "node:module";
import path from "node:path";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
type Resolve = (request: string, parent: unknown, isMain: boolean) => string;

interface Deferral {
  /** The module, as resolved from @pulumi/pulumi's directory. */
  module: string;
  /**
   * The `__esModule` flag its stand-in reports without loading it. Its importers' `__importStar`
   * copies every export of a module without the flag (which would load it) and keeps one that
   * has it, so modules imported that way say true; TypeScript (flag-less, read by ts-node) says undefined.
   */
  esModule: true | undefined;
  /** The module is a function (its importer calls it). */
  callable?: true;
}

/** What is deferred, and why a plan never needs it at load time. */
const DEFERRED: Deferral[] = [
  // Function serialization (pulumi.runtime.serializeFunction), which mocks never call.
  { module: "typescript", esModule: undefined },
  { module: "@npmcli/arborist", esModule: true },
  // Its package.json reader (with hosted-git-info, spdx…), called by that lookup; same reason.
  { module: "normalize-package-data", esModule: undefined, callable: true },
  // The Automation API (pulumi.automation: js-yaml, execa, the CLI's event stream), which drives the
  // Pulumi CLI from a program; the plan runs the program itself and never reads pulumi.automation.
  { module: "@pulumi/pulumi/automation/index.js", esModule: true },
  // gRPC: clients for a real engine and resource monitor (mocks replace both), the callback server
  // a real engine calls back into, and the error-code constants read only when a call failed.
  { module: "@grpc/grpc-js", esModule: true },
  { module: "@pulumi/pulumi/proto/engine_grpc_pb.js", esModule: true },
  { module: "@pulumi/pulumi/proto/resource_grpc_pb.js", esModule: true },
  { module: "@pulumi/pulumi/proto/callback_grpc_pb.js", esModule: true },
  // The client and server stubs of a provider plugin (pulumi.provider.main), which the plan never starts.
  { module: "@pulumi/pulumi/proto/provider_grpc_pb.js", esModule: true },
  // Tracing, read only by the gRPC interceptor above.
  { module: "@opentelemetry/api", esModule: undefined },
];

const loader = Module as unknown as { _load: Load; _resolveFilename: Resolve };
const load = loader._load;
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/** Resolved file → its deferral; a request is resolved only if its last segment names one of them. */
const byFile = new Map(DEFERRED.map((d) => [require.resolve(d.module, { paths: [pulumiDir] }), d]));
const lastSegments = new Set(DEFERRED.map((d) => lastSegment(d.module)));
const standIns = new Map<string, object>();

loader._load = function deferringLoad(this: unknown, request, parent, isMain) {
  if (!lastSegments.has(lastSegment(request))) return load.call(this, request, parent, isMain);
  const file = loader._resolveFilename(request, parent, isMain);
  const deferral = byFile.get(file);
  if (!deferral) return load.call(this, request, parent, isMain);
  let standIn = standIns.get(file);
  if (!standIn) {
    standIn = lazyModule(() => load.call(this, file, parent, isMain) as object, deferral);
    standIns.set(file, standIn);
  }
  return standIn;
};

/** "../proto/engine_grpc_pb.js" → "engine_grpc_pb"; "@grpc/grpc-js" → "grpc-js"; "./automation/index.js" → "automation". */
function lastSegment(request: string): string {
  return path.basename(request.replace(/\/index\.js$/, ""), ".js");
}

/** An object that loads the real module the first time anything but its interop flags is read. */
function lazyModule(loadReal: () => object, { esModule, callable }: Deferral): object {
  let real: object | undefined;
  const target = () => (real ??= loadReal());
  // Read by module loaders (tsx's "module.exports" probe, __importStar's __esModule) before any use.
  const interop = (key: string | symbol) => key === "__esModule" || key === "module.exports";
  return new Proxy(callable ? () => undefined : {}, {
    apply: (_empty, self, args) => Reflect.apply(target() as (...args: unknown[]) => unknown, self, args),
    get: (_empty, key) => (key === "__esModule" ? esModule : key === "module.exports" ? undefined : Reflect.get(target(), key)),
    has: (_empty, key) => (interop(key) ? key === "__esModule" && esModule === true : Reflect.has(target(), key)),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_empty, key) => {
      if (interop(key)) return key === "__esModule" && esModule ? { value: true, enumerable: false, configurable: true, writable: false } : undefined;
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
