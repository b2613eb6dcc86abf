/** A start-up configuration problem: the message names the variable, the value (unless it is a secret) and the fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
