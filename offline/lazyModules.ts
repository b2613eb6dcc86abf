/**
 * What the offline plan defers of @pulumi/pulumi, and the stand-in that loads a module on
 * first use. No side effects: offline/deferredModules.ts installs them in Node's module
 * loader for the plan CLI; test/support/deferredModulesSetup.ts installs them in jest's
 * module registry for the tests.
 */

import path from "node:path";

export interface Deferral {
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
export const DEFERRED: Deferral[] = [
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

/** Each deferred module's file, as @pulumi/pulumi resolves it, with its deferral. */
export function deferredFiles(): Map<string, Deferral> {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  return new Map(DEFERRED.map((deferral) => [require.resolve(deferral.module, { paths: [pulumiDir] }), deferral]));
}

/** An object that loads the real module the first time anything but its interop flags is read. */
export function lazyModule(loadReal: () => object, { esModule, callable }: Deferral): object {
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
