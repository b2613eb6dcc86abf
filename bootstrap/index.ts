/**
 * Bootstrap entry point (`pulumi up` in bootstrap/, run once per GCP project by
 * an admin). Exported as a function: Pulumi calls it and publishes what it
 * returns as the stack outputs; the tests call it under mocks.
 */
import { readBootstrapConfig } from "./config";
import { createBootstrap } from "./program";

export = async () => createBootstrap(readBootstrapConfig());
