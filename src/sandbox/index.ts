// Public exports of the sandbox (subpath `passport-stackexchange-oauth2/sandbox`).
export { createSandbox } from './create-sandbox.js';
export { sampleUsers, SAMPLE_CLIENTS, SAMPLE_SITES } from './sample-data.js';
export { generatedUsers } from './generated-users.js';
export type { SampleSite } from './sample-data.js';
export type {
  ApiFault,
  AuthorizeOptions,
  DuplicateRequest,
  FaultOptions,
  IssuedToken,
  IssueTokenOptions,
  RecordedRequest,
  RecordedUpvote,
  Sandbox,
  SandboxClient,
  SandboxClientInit,
  SandboxOptions,
  SandboxStats,
  SandboxUser,
  ThrottleViolation,
  TokenFault,
} from './types.js';
