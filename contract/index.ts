/**
 * The contract: the facts every part of the project shares (config types and
 * problems, the stack-output schema, the resource type tokens and input paths,
 * the evaluation's shape, and how nested values are read and shown). Pure: it
 * imports no Pulumi, so the plan, the policy pack, the client and the workflow
 * scripts can all read it without loading the program.
 */
export * from "./components";
export * from "./config";
export * from "./defaults";
export * from "./evaluation";
export * from "./imageReference";
export * from "./outputs";
export * from "./resources";
export * from "./values";
export * from "./workload";
