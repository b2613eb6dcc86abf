/**
 * The app's version, reported by `/health`. Kept equal to app/package.json's
 * `version` by a test (the image ships dist/ only, so package.json is not there
 * to read at run time). `APP_VERSION` in the environment overrides it, e.g. with
 * a git commit set by the stack.
 */
export const PACKAGE_VERSION = "0.1.0";

/** The version to report: `APP_VERSION` if set, else {@link PACKAGE_VERSION}. */
export function appVersion(env: NodeJS.ProcessEnv = process.env): string {
  return env.APP_VERSION?.trim() || PACKAGE_VERSION;
}
