/**
 * What a build context's .dockerignore leaves out, as Docker reads it
 * (https://docs.docker.com/build/concepts/context/#dockerignore-files):
 * one pattern a line, `#` comments, `*`, `?` and `**`, a leading `!` to take a
 * path back in, the last matching line wins, and leaving a directory out leaves
 * out everything in it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface Rule {
  pattern: RegExp;
  include: boolean;
}

/** A .dockerignore pattern as a RegExp over slash-separated relative paths. */
function toRegExp(pattern: string): RegExp {
  const cleaned = path.posix.normalize(pattern.replace(/\\/g, "/")).replace(/^\/+|\/+$/g, "");
  let body = "";
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned[i];
    if (c === "*" && cleaned[i + 1] === "*") {
      // `**/` matches any number of directories, including none; a trailing `**` anything below.
      body += cleaned[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += cleaned[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") body += "[^/]*";
    else if (c === "?") body += "[^/]";
    else body += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${body}$`);
}

function readRules(contextDir: string): Rule[] {
  const file = path.join(contextDir, ".dockerignore");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => (line.startsWith("!") ? { pattern: toRegExp(line.slice(1).trim()), include: true } : { pattern: toRegExp(line), include: false }));
}

/**
 * `(relativePath) => true` when the context's .dockerignore leaves that path
 * out of what is sent to the builder. Each line is tried against the path and
 * each of its parent directories; the last line that matches decides.
 */
export function dockerignoreMatcher(contextDir: string): (relative: string) => boolean {
  const rules = readRules(contextDir);
  return (relative) => {
    const steps = relative.split("/");
    const candidates = steps.map((_, i) => steps.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.include;
    return excluded;
  };
}
