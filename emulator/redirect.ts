/**
 * google-auth-library 10 hard-codes some Google URLs: a service-account key's
 * JWT always goes to https://oauth2.googleapis.com/token (its `token_uri` is
 * ignored). To drive such a client against the emulator, add this interceptor
 * to the client's transporter (a gaxios instance).
 */

/** Google API hosts the emulator's Google APIs server stands in for. */
export const EMULATED_GOOGLE_HOSTS = ["oauth2.googleapis.com", "iamcredentials.googleapis.com", "run.googleapis.com", "www.googleapis.com"];

/**
 * A gaxios request interceptor that sends requests for Google API hosts to
 * `baseUrl` (same path and query), e.g.
 * `jwtClient.transporter.interceptors.request.add(googleApisRedirect(apis.url))`.
 */
export function googleApisRedirect(baseUrl: string): { resolved: <T extends { url?: string | URL }>(options: T) => Promise<T> } {
  const base = new URL(baseUrl);
  return {
    resolved: async (options) => {
      if (options.url === undefined) return options;
      const url = new URL(options.url.toString());
      if (!EMULATED_GOOGLE_HOSTS.includes(url.hostname)) return options;
      const redirected = new URL(`${url.pathname}${url.search}`, base);
      return { ...options, url: typeof options.url === "string" ? redirected.href : redirected };
    },
  };
}
