/**
 * A jest setup file: the modules the offline plan defers (offline/lazyModules.ts says
 * why a program under mocks never needs each) are stand-ins in every test file's module
 * registry too, loading the real module on first use. jest gives each test file a fresh
 * registry, so each paid again for loading TypeScript, Arborist, the Automation API, gRPC
 * and the rest whenever it loaded Pulumi.
 *
 * jest.doMock with a factory is only the way in: nothing is mocked. The stand-in answers
 * from the real module (jest.requireActual) from its first use.
 */
import { deferredFiles, lazyModule } from "../../offline/lazyModules";

for (const [file, deferral] of deferredFiles()) {
  jest.doMock(file, () => lazyModule(() => jest.requireActual(file), deferral));
}
