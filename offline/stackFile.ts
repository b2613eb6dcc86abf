/**
 * Where a stack argument points. Kept free of Pulumi imports so the CLI can check a
 * stack file before it pays for loading the program.
 */
import * as path from "node:path";

/**
 * `--stack NAME` / `--config FILE`: a path (it ends in .yaml/.yml or holds a path
 * separator, resolved against `cwd`) or `Pulumi.NAME.yaml` in `projectDir`.
 */
export function stackFilePath(stackOrFile: string, projectDir: string, cwd: string = process.cwd()): { file: string; isPath: boolean } {
  const isPath = /\.ya?ml$/i.test(stackOrFile) || stackOrFile.includes("/") || stackOrFile.includes(path.sep);
  return { file: isPath ? path.resolve(cwd, stackOrFile) : path.join(projectDir, `Pulumi.${stackOrFile}.yaml`), isPath };
}
