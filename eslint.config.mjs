// Lint without type information: fast enough to run on every `npm test`;
// `tsc --noEmit` does the type checking once, as its own step.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "coverage/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
      // The whole @pulumi/gcp package is ~1M lines of declarations for tsc and every
      // module at run time; a module path (@pulumi/gcp/cloudrunv2) loads only that one.
      "no-restricted-imports": ["error", { paths: [{ name: "@pulumi/gcp", message: 'Import the module by path, e.g. import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2" (the whole package costs typecheck and every test run seconds).' }] }],
    },
  },
);
