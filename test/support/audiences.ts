/**
 * Custom audiences a service must refuse, and ones it must accept: one table
 * for every layer that sees `customAudiences` (config, PrivateService, the
 * policy rules and the pack). Cloud Run always accepts the service's own
 * run.app URL, so a custom audience is only ever needed for another name.
 */

/** [value, why it is refused (matched against each layer's message)] */
export const REFUSED_AUDIENCES: [string, RegExp][] = [
  ["*", /wildcard/],
  ["https://*.example.com", /wildcard/],
  ["https://other-service-abc123-de.a.run.app", /run\.app URL/],
  ["https://other-service-123456789012.asia-east1.run.app/", /run\.app URL/],
  ["https://RUN.APP", /run\.app URL/],
  ["https://hello-abc.a.run.app.", /run\.app URL/],
  ["123456789012-abcdef.apps.googleusercontent.com", /not an https:\/\/ URL/],
  ["http://api.example.com", /not an https:\/\/ URL/],
  ["api.example.com", /not an https:\/\/ URL/],
  ["https://user:secret@api.example.com", /user name or password/],
  ["https://", /not an https:\/\/ URL/],
];

/** Audiences a custom domain or a load balancer really uses. */
export const ACCEPTED_AUDIENCES = ["https://api.example.com", "https://api.example.com/", "https://lb.example.com/hello", "https://run.app.example.com"];
