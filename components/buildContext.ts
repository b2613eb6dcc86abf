/**
 * Build contexts (`source`, `dockerfile:`): where an image may be built from.
 * Everything in a context, bar what its .dockerignore leaves out, is sent to
 * the builder, and a `COPY . .` puts it in the image, so a context must be a
 * directory of the project (never the project root, which holds .git, the
 * stack files and, in CI, google-github-actions/auth's gha-creds-*.json), must
 * hold its Dockerfile, and must not hold credentials. No Pulumi: config
 * validation, the offline plan and ArtifactImage share these checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dockerignoreMatcher } from "./dockerignore";
import { normalizeSource } from "./naming";

/** The Dockerfile the builder reads when `dockerfile:` is not set (docker-build: `<context>/Dockerfile`). */
export const DEFAULT_DOCKERFILE = "Dockerfile";

const SOURCE_EXAMPLE = "write a directory of the project that holds the Dockerfile, relative to the project, e.g. ./app";

function isAbsolute(value: string): boolean {
  return path.posix.isAbsolute(value.replace(/\\/g, "/")) || /^[A-Za-z]:/.test(value);
}

/** Why `source` cannot be a build context, from its spelling alone (no filesystem); undefined when it may be. */
export function sourcePathProblem(source: string): string | undefined {
  if (isAbsolute(source)) return `is an absolute path; ${SOURCE_EXAMPLE}`;
  const normalized = normalizeSource(source);
  if (normalized === "..") return `leaves the project directory; ${SOURCE_EXAMPLE}`;
  if (normalized.startsWith("../")) return `leaves the project directory; ${SOURCE_EXAMPLE}`;
  if (normalized === ".") {
    return `is the project root, and a build context sends everything in it to the builder (.git, the stack files, CI's gha-creds-*.json credential file); ${SOURCE_EXAMPLE}`;
  }
  return undefined;
}

/** Why `dockerfile` (relative to its source) cannot be used, from its spelling alone; undefined when it may be. */
export function dockerfilePathProblem(dockerfile: string): string | undefined {
  if (dockerfile.trim() === "") return "is empty; name the Dockerfile relative to source, e.g. Dockerfile.prod, or remove the key to use source's Dockerfile";
  if (isAbsolute(dockerfile)) return "is an absolute path; name the Dockerfile relative to source, e.g. Dockerfile.prod";
  const normalized = normalizeSource(dockerfile);
  if (normalized === "." || normalized === ".." || normalized.startsWith("../")) {
    return "leaves the build context; name a file inside source, e.g. Dockerfile.prod (relative to source)";
  }
  return undefined;
}

/** The Dockerfile's path as the builder gets it (relative to the project), or undefined for the builder's default. */
export function dockerfileLocation(source: string, dockerfile: string | undefined): string | undefined {
  if (dockerfile === undefined || normalizeSource(dockerfile) === DEFAULT_DOCKERFILE) return undefined;
  return path.posix.join(normalizeSource(source), normalizeSource(dockerfile));
}

/** A problem of one build context, at `source` or at `dockerfile`. */
export interface BuildContextProblem {
  key: "source" | "dockerfile";
  message: string;
}

/**
 * Everything wrong with building `source` (with `dockerfile`, relative to it)
 * in `projectDir`, as read from the filesystem: spelling, existence, symlinks
 * out of the project or onto its root, the Dockerfile, credentials inside.
 */
export function buildContextProblems(projectDir: string, source: string, dockerfile?: string): BuildContextProblem[] {
  const spelling = sourcePathProblem(source);
  if (spelling !== undefined) return [{ key: "source", message: spelling }];
  const dockerfileSpelling = dockerfile === undefined ? undefined : dockerfilePathProblem(dockerfile);
  if (dockerfileSpelling !== undefined) return [{ key: "dockerfile", message: dockerfileSpelling }];
  const resolved = path.resolve(projectDir, source);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
    return [{ key: "source", message: `build context not found (resolved to ${resolved}); ${SOURCE_EXAMPLE}` }];
  }
  const place = placeOf(projectDir, resolved);
  if (place !== undefined) return [{ key: "source", message: place }];
  const problems: BuildContextProblem[] = [];
  const file = dockerfile ?? DEFAULT_DOCKERFILE;
  if (!isFile(path.join(resolved, file))) {
    problems.push(
      dockerfile === undefined
        ? { key: "source", message: `holds no Dockerfile (looked for ${path.join(resolved, file)}), so the image build would fail; add one, or name yours with dockerfile: (relative to source)` }
        : { key: "dockerfile", message: `is no such file in the build context (looked for ${path.join(resolved, file)}); name a Dockerfile inside source` },
    );
  }
  const credentials = credentialFiles(resolved);
  if (credentials.length > 0) {
    problems.push({
      key: "source",
      message:
        `holds files that carry credentials and would be sent to the builder: ${credentials.join(", ")}; ` +
        `remove them, or list them in ${path.posix.join(normalizeSource(source), ".dockerignore")} so they never leave this machine`,
    });
  }
  return problems;
}

/** Once symlinks are followed, the context must still be a directory of the project, and not its root. */
function placeOf(projectDir: string, resolved: string): string | undefined {
  const real = fs.realpathSync(resolved);
  const project = fs.realpathSync(projectDir);
  if (real === project) return `is the project root once symlinks are followed (it is ${real}); ${SOURCE_EXAMPLE}`;
  if (!real.startsWith(`${project}${path.sep}`)) return `leaves the project directory once symlinks are followed (it is ${real}); ${SOURCE_EXAMPLE}`;
  return undefined;
}

function isFile(file: string): boolean {
  return fs.existsSync(file) && fs.statSync(file).isFile();
}

/** At most this many entries are looked at per context: a context that large is a mistake of its own. */
const MAX_ENTRIES = 20_000;
/** JSON files up to this size are read to spot service-account keys. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Names that carry credentials: CI's and gcloud's credential files, private
 * keys, env files, package-manager and netrc tokens, Docker's login file, and
 * git directories (actions/checkout keeps a token in .git/config).
 */
const CREDENTIAL_NAMES: RegExp[] = [
  /^gha-creds-.*\.json$/,
  /^application_default_credentials\.json$/,
  /^(credentials|access_tokens)\.db$/,
  /^legacy_credentials$/,
  /\.(pem|key|p12|pfx)$/i,
  /^id_(rsa|dsa|ecdsa|ed25519)$/,
  /^\.env$/,
  /^\.env\.(?!example$|sample$|template$|dist$).+$/,
  /^\.(npmrc|netrc|pypirc|git-credentials)$/,
  /^\.docker$/,
  /^\.git$/,
];

/** Files and directories of the context that carry credentials and that .dockerignore does not leave out (relative, slash-separated). */
export function credentialFiles(contextDir: string): string[] {
  const ignored = dockerignoreMatcher(contextDir);
  const found: string[] = [];
  let seen = 0;
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(contextDir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (++seen > MAX_ENTRIES) return;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (ignored(rel)) continue;
      if (CREDENTIAL_NAMES.some((pattern) => pattern.test(entry.name)) || (entry.isFile() && isServiceAccountKey(path.join(contextDir, rel)))) {
        found.push(rel);
        continue;
      }
      // Symlinks are sent as links, not followed, so only real directories are walked.
      if (entry.isDirectory()) walk(rel);
    }
  };
  walk("");
  return found;
}

/** A downloaded service-account key: JSON with a private key in it. */
function isServiceAccountKey(file: string): boolean {
  if (!file.endsWith(".json") || fs.statSync(file).size > MAX_KEY_FILE_BYTES) return false;
  const text = fs.readFileSync(file, "utf8");
  return text.includes('"private_key"');
}
