/**
 * Custom audiences of a service: extra `aud` values Cloud Run accepts in ID
 * tokens. Cloud Run always accepts the service's own run.app URL
 * (https://cloud.google.com/run/docs/configuring/custom-audiences), so a
 * custom audience is only for a name callers know instead: a custom domain or
 * a load balancer's URL. Anything else widens which tokens get in: `*`, an
 * OAuth client id (every gcloud user token carries one), or another service's
 * run.app URL (a token minted for that service would be accepted here too).
 * Pure, so config validation and PrivateService share it.
 */

const FIX = "write the https:// URL your callers use, e.g. https://api.example.com (a custom domain or a load balancer's URL)";

/** Why `audience` cannot be a custom audience (phrased to follow the value), or undefined when it can. */
export function audienceProblem(audience: string): string | undefined {
  if (audience.includes("*")) return `is a wildcard, and an audience is matched exactly: no token would match it, and none should match everything; ${FIX}`;
  let url: URL;
  try {
    url = new URL(audience);
  } catch {
    return `is not an https:// URL (an audience names the URL a token is for; an OAuth client id or a bare host would let tokens minted for something else in); ${FIX}`;
  }
  if (url.protocol !== "https:" || url.hostname === "" || !audience.toLowerCase().startsWith("https://")) {
    return `is not an https:// URL (an audience names the URL a token is for; an OAuth client id or a bare host would let tokens minted for something else in); ${FIX}`;
  }
  if (url.username !== "" || url.password !== "") return `holds a user name or password, which no caller's audience carries; ${FIX}`;
  const host = url.hostname.replace(/\.$/, "");
  if (host === "run.app" || host.endsWith(".run.app")) {
    return `is a run.app URL: Cloud Run already accepts this service's own, and another service's would let its tokens in here; ${FIX}`;
  }
  return undefined;
}
