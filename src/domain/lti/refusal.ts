/**
 * Why an LTI message was refused. Each code is stable (it is the JSON error code) and each refusal carries the
 * HTTP status it answers with; the message says what the platform or its administrator must change.
 */
export type LtiRefusalCode =
  | 'lti_bad_request'
  | 'lti_unknown_platform'
  | 'lti_unknown_deployment'
  | 'lti_state_mismatch'
  | 'lti_bad_signature'
  | 'lti_unknown_key'
  | 'lti_token_expired'
  | 'lti_wrong_audience'
  | 'lti_wrong_issuer'
  | 'lti_nonce_replayed'
  | 'lti_missing_claim'
  | 'lti_unsupported_message'
  | 'lti_account_conflict'
  | 'lti_registration_failed'
  | 'lti_platform_error';

const STATUS: Record<LtiRefusalCode, number> = {
  lti_bad_request: 400,
  lti_unknown_platform: 401,
  lti_unknown_deployment: 401,
  lti_state_mismatch: 401,
  lti_bad_signature: 401,
  lti_unknown_key: 401,
  lti_token_expired: 401,
  lti_wrong_audience: 401,
  lti_wrong_issuer: 401,
  lti_nonce_replayed: 401,
  lti_missing_claim: 400,
  lti_unsupported_message: 400,
  lti_account_conflict: 409,
  lti_registration_failed: 502,
  lti_platform_error: 502,
};

export class LtiRefusal extends Error {
  override name = 'LtiRefusal';
  readonly status: number;
  constructor(
    readonly code: LtiRefusalCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
