/**
 * Local stand-ins for Google's Cloud Run front end, the metadata server, the
 * OAuth2 / IAM Credentials endpoints and the Cloud Run jobs API (docs/emulator.md),
 * so the caller-side client is tested for real on 127.0.0.1.
 */
export type { RunningServer } from "./types";
export { TokenIssuer, uniqueIdFor } from "./tokenIssuer";
export type { TokenIssuerOptions, MintIdTokenOptions } from "./tokenIssuer";
export { useKeyPairSource, resetKeyPairSource } from "./keys";
export type { KeyPairSource, SigningKeyPair } from "./keys";
export { startMetadataServer } from "./metadataServer";
export type { MetadataServer, MetadataServerOptions } from "./metadataServer";
export { startGoogleApis, GOOGLE_TOKEN_URL, GCLOUD_ADC_CLIENT_ID, GCLOUD_CLI_CLIENT_ID } from "./googleApis";
export type {
  GoogleApis,
  GoogleApisOptions,
  EmulatedJob,
  JobRunRecord,
  ServiceAccountKeyFile,
  AuthorizedUserFile,
} from "./googleApis";
export { startFrontEnd, SIGNATURE_REMOVED, removeSignature, expandAudiences } from "./frontEnd";
export type { FrontEnd, FrontEndOptions, FrontEndDecision } from "./frontEnd";
export { startEmulator } from "./emulator";
export type { Emulator, EmulatorOptions } from "./emulator";
export { googleApisRedirect, EMULATED_GOOGLE_HOSTS } from "./redirect";
export { membersInclude, validateMembers, isServiceAccountEmail } from "./members";
export type { GroupDirectory } from "./members";
