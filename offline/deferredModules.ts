/**
 * @pulumi/pulumi loads, as soon as it is loaded, much that a program under mocks never
 * runs: TypeScript (9 MB of JavaScript) and npm's Arborist for function serialization,
 * the Automation API with its YAML parser and process helpers, gRPC and its clients for
 * talking to a real engine. The offline plan imports this first so that those load on
 * first use instead (DEFERRED says why each is safe): CPU off every `npm start` and
 * `npm run plan`. Nothing else changes: the first read of a property loads the real
 * module and answers from it. `pulumi up` (index.ts) does not use this. The jest tests
 * defer the same modules (test/support/deferredModulesSetup.ts).
 */
import Module from "node:module";
import path from "node:path";
import { DEFERRED, deferredFiles, lazyModule } from "./lazyModules";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
type Resolve = (request: string, parent: unknown, isMain: boolean) => string;

const loader = Module as unknown as { _load: Load; _resolveFilename: Resolve };
const load = loader._load;
/** Resolved file → its deferral; a request is resolved only if its last segment names one of them. */
const byFile = deferredFiles();
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
