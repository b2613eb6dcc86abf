/**
 * Caller side of private Cloud Run: ID tokens from any Google credential,
 * `invoke()` with the right header, `runJob()`, and the smoke checks.
 */
export { GoogleTokenSource, StaticTokenSource, CLOUD_PLATFORM_SCOPE, DEFAULT_IAM_CREDENTIALS_ENDPOINT } from "./idTokens";
export type { IdTokenSource, AccessTokenSource, GoogleTokenSourceOptions } from "./idTokens";
export { invoke, defaultAudience, defaultTokenSource } from "./invoke";
export type { InvokeOptions, AttemptInfo } from "./invoke";
export { selectTokenHeader, withIdToken, parseHeaderMode, HEADER_MODES } from "./headers";
export type { HeaderMode, TokenHeader } from "./headers";
export { runJob, jobResourceName, DEFAULT_RUN_API } from "./runJob";
export type { JobRef, JobOverrides, RunJobOptions, RunJobResult, JobProgress } from "./runJob";
export { checkService, checkJob, runSmoke, UNRELATED_AUTHORIZATION } from "./smoke";
export type { CheckName, CheckResult, ServiceReport, JobReport, SmokeReport, ProgressEvent, ServiceCheckOptions, JobCheckOptions, SmokeOptions } from "./smoke";
export { targetsFromOutputs, readOutputsFile, readStackOutputs } from "./outputs";
export type { SmokeTargets, ServiceTarget, JobTarget } from "./outputs";
export { startProxy } from "./proxy";
export type { ProxyOptions, RunningProxy } from "./proxy";
export { ClientError, TokenError, InvokeError, JobError, UsageError } from "./errors";
export { redact } from "./redact";
export type { RetryOptions } from "./retry";
export { clientEnvironment } from "./env";
export type { ClientEnvironment } from "./env";
