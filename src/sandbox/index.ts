// Public exports of the sandbox (subpath `passport-stackexchange-oauth2/sandbox`).
export { createSandbox } from './create-sandbox.js';
export { sampleUsers, SAMPLE_CLIENTS, SAMPLE_SITES } from './sample-data.js';
export type { SampleSite } from './sample-data.js';
export type {
  ApiFault,
  AuthorizeOptions,
  FaultOptions,
  IssuedToken,
  IssueTokenOptions,
  RecordedRequest,
  RecordedUpvote,
  Sandbox,
  SandboxClient,
  SandboxClientInit,
  SandboxOptions,
  SandboxUser,
  ThrottleViolation,
  TokenFault,
} from './types.js';
