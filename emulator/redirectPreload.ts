/**
 * Preload for programs run against the emulator with a service-account key file
 * (tests, and people trying `npm run emulator -- --write-key FILE` by hand):
 * `npx tsx --import ./emulator/redirectPreload.ts client/cli/smoke.ts …`
 * (`--import`, not `--require`: it must load after tsx's own hooks).
 *
 * google-auth-library 10 ignores a service-account key's `token_uri` and always
 * posts the signed JWT to https://oauth2.googleapis.com/token. In-process tests
 * add the emulator's `googleApisRedirect` interceptor to one client; a child
 * process builds its own clients, so this applies the same redirect to every
 * gaxios request it makes, sending Google API hosts to EMULATOR_GOOGLE_APIS_URL.
 * Nothing in client/ knows about it: the CLI runs its production code path.
 */
import { gaxios } from "google-auth-library";
import { googleApisRedirect } from "./redirect";

const base = process.env.EMULATOR_GOOGLE_APIS_URL;
if (!base) {
  throw new Error("emulator/redirectPreload.ts: EMULATOR_GOOGLE_APIS_URL is not set; paste the export lines npm run emulator prints (or pass startEmulator().env)");
}
const redirect = googleApisRedirect(base);
const request = gaxios.Gaxios.prototype.request;
// Before gaxios prepares the request, so its retries and interceptors see the emulator's URL.
gaxios.Gaxios.prototype.request = async function redirected(this: gaxios.Gaxios, options: gaxios.GaxiosOptions = {}) {
  return request.call(this, await redirect.resolved(options));
} as typeof request;
