/**
 * Environment variables the CLIs read, so they can be pointed at the emulator
 * (or a private endpoint) as real child processes. google-auth-library's own
 * variables (GOOGLE_APPLICATION_CREDENTIALS, GCE_METADATA_HOST, …) work as usual.
 */
import { DEFAULT_IAM_CREDENTIALS_ENDPOINT } from "./idTokens";
import { DEFAULT_RUN_API } from "./runJob";

/** Endpoints, resolved from the environment. */
export interface ClientEnvironment {
  /** PCR_RUN_API: Cloud Run Admin API base. */
  runApi: string;
  /** PCR_IAM_CREDENTIALS_ENDPOINT: IAM Credentials API base, used to impersonate. */
  iamCredentialsEndpoint: string;
}

/** Reads PCR_RUN_API and PCR_IAM_CREDENTIALS_ENDPOINT (each must be an http(s) URL). */
export function clientEnvironment(env: NodeJS.ProcessEnv = process.env): ClientEnvironment {
  return {
    runApi: urlFrom(env, "PCR_RUN_API", DEFAULT_RUN_API),
    iamCredentialsEndpoint: urlFrom(env, "PCR_IAM_CREDENTIALS_ENDPOINT", DEFAULT_IAM_CREDENTIALS_ENDPOINT),
  };
}

function urlFrom(env: NodeJS.ProcessEnv, key: string, fallback: string): string {
  const value = env[key];
  if (value === undefined || value === "") return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${key}: "${value}" is not a URL; set it to an http(s) base URL such as ${fallback}, or unset it`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new RangeError(`${key}: "${value}" must be http(s); set it to a base URL such as ${fallback}, or unset it`);
  }
  return value.replace(/\/+$/, "");
}
