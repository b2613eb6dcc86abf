/**
 * Test-only preload for the CLIs run as child processes:
 * `tsx --require ./test/client/preload/redirectGoogleApis.ts client/cli/smoke.ts …`.
 *
 * google-auth-library 10 ignores a service-account key's `token_uri` and always
 * posts the signed JWT to https://oauth2.googleapis.com/token. In-process tests
 * add the emulator's `googleApisRedirect` interceptor to one client; a child
 * process builds its own clients, so this applies the same redirect to every
 * gaxios request it makes, sending Google API hosts to EMULATOR_GOOGLE_APIS_URL.
 * Nothing in client/ knows about it: the CLI runs its production code path.
 */
import { gaxios } from "google-auth-library";
import { googleApisRedirect } from "../../../emulator/redirect";

const base = process.env.EMULATOR_GOOGLE_APIS_URL;
if (!base) {
  throw new Error("redirectGoogleApis preload: EMULATOR_GOOGLE_APIS_URL is not set; start the emulator and pass its env (startEmulator().env)");
}
const redirect = googleApisRedirect(base);
const request = gaxios.Gaxios.prototype.request;
// Before gaxios prepares the request, so its retries and interceptors see the emulator's URL.
gaxios.Gaxios.prototype.request = async function redirected(this: gaxios.Gaxios, options: gaxios.GaxiosOptions = {}) {
  return request.call(this, await redirect.resolved(options));
} as typeof request;
