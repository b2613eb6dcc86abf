/**
 * Helpers for the whole-program stack tests: config variants, resource
 * lookups and the "nothing public" scan. No assertions here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TYPES, type Evaluation, type RegisteredResource, type StackConfig } from "../../contract";

/** The type tokens, as the contract names them. */
export { TYPES };

/** IAM resource types (anything whose type mentions Iam). */
export function isIamType(type: string): boolean {
  return /Iam(Binding|Member|Policy)$/.test(type);
}

export function ofType(evaluation: Evaluation, type: string): RegisteredResource[] {
  return evaluation.resources.filter((r) => r.type === type);
}

/** The single resource of that type whose `name` input (the Cloud Run name) is `name`. */
export function workload(evaluation: Evaluation, type: string, name: string): RegisteredResource {
  const found = ofType(evaluation, type).filter((r) => r.inputs.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** IAM resources that target the workload `name` of that kind. */
export function iamFor(evaluation: Evaluation, kind: "service" | "job", name: string): RegisteredResource[] {
  const types: string[] = kind === "service" ? [TYPES.serviceBinding, TYPES.serviceMember] : [TYPES.jobBinding, TYPES.jobMember];
  return evaluation.resources.filter((r) => types.includes(r.type) && r.inputs.name === name);
}

/** Every string anywhere in a value. */
export function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...allStrings(v)]);
  return [];
}

/** Where a public principal or a disabled invoker check appears, as "resource: detail" strings (empty = clean). */
export function publicExposures(evaluation: Evaluation): string[] {
  const found: string[] = [];
  const check = (where: string, value: unknown) => {
    for (const text of allStrings(value)) {
      if (/allusers|allauthenticatedusers|principalset:\/\/goog\/public/i.test(text)) found.push(`${where}: ${text}`);
    }
  };
  for (const r of evaluation.resources) {
    check(r.urn, r.inputs);
    if (r.inputs.invokerIamDisabled === true) found.push(`${r.urn}: invokerIamDisabled true`);
  }
  check("outputs", evaluation.outputs);
  return found;
}

/** The repository (the Pulumi project directory). */
export const REPO_ROOT = path.resolve(__dirname, "../..");
/** Where throwaway build contexts live: inside the project, since a source must be (ignored by git). */
const SOURCES_DIR = path.join(REPO_ROOT, "test", ".sources");

/** A throwaway build context inside the project with a Dockerfile; `write` changes its content. */
export class TempSource {
  /** Absolute path, to write files into. */
  readonly dir: string;
  /** The same directory as a stack config's `source` (relative to the project). */
  readonly source: string;
  constructor(label: string, content = "FROM scratch\n") {
    fs.mkdirSync(SOURCES_DIR, { recursive: true });
    this.dir = fs.mkdtempSync(path.join(SOURCES_DIR, `${label}-`));
    this.source = `./${path.relative(REPO_ROOT, this.dir).split(path.sep).join("/")}`;
    this.write(content);
  }
  write(content: string): void {
    fs.writeFileSync(path.join(this.dir, "Dockerfile"), content);
  }
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A deep copy of a config, so variants never share objects. */
export function cloneConfig(config: StackConfig): StackConfig {
  return structuredClone(config);
}
