/**
 * @pulumi/pulumi loads TypeScript (9 MB of JavaScript) and npm's Arborist (with much of npm)
 * as soon as it is loaded, for function serialization, which a program under mocks never
 * does. The offline plan imports this first so that both load on first use instead: about a
 * second of CPU off every `npm start` and `npm run plan`. Nothing else changes: the first
 * read of a property loads the real module and answers from it. `pulumi up` (index.ts)
 * does not use this. The tests do the same through jest.config.js (test/support/lazy/).
 */
import Module from "node:module";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Module name → the `__esModule` flag its stand-in reports without loading it: TypeScript
 * has none; Arborist's importer copies every export of a module without the flag (which
 * would load it), and keeps one that has it.
 */
const DEFERRED = new Map<string, true | undefined>([
  ["typescript", undefined],
  ["@npmcli/arborist", true],
]);

const loader = Module as unknown as { _load: Load };
const load = loader._load;
const standIns = new Map<string, object>();

loader._load = function deferringLoad(this: unknown, request, parent, isMain) {
  if (!DEFERRED.has(request)) return load.call(this, request, parent, isMain);
  let standIn = standIns.get(request);
  if (!standIn) {
    standIn = lazyModule(() => load.call(this, request, parent, isMain) as object, DEFERRED.get(request));
    standIns.set(request, standIn);
  }
  return standIn;
};

/** An object that loads the real module the first time anything but its interop flags is read. */
function lazyModule(loadReal: () => object, esModule: true | undefined): object {
  let real: object | undefined;
  const target = () => (real ??= loadReal());
  // Read by module loaders (tsx's "module.exports" probe, __importStar's __esModule) before any use.
  const interop = (key: string | symbol) => key === "__esModule" || key === "module.exports";
  return new Proxy(
    {},
    {
      get: (_empty, key) => (key === "__esModule" ? esModule : key === "module.exports" ? undefined : Reflect.get(target(), key)),
      has: (_empty, key) => (interop(key) ? key === "__esModule" && esModule === true : Reflect.has(target(), key)),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_empty, key) => {
        if (interop(key)) return key === "__esModule" && esModule ? { value: true, enumerable: false, configurable: true, writable: false } : undefined;
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}
