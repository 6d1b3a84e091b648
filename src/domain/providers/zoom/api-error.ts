/** Zoom's failures as Aula tells them apart: the caller decides, by kind, whether to retry, give up or tell a person. */
export type ZoomErrorKind = 'rate_limited' | 'unauthorized' | 'not_found' | 'server' | 'client' | 'network' | 'truncated';

export class ZoomApiError extends Error {
  override name = 'ZoomApiError';
  constructor(
    readonly kind: ZoomErrorKind,
    readonly status: number | null,
    message: string,
    /** From `Retry-After` on a 429, when Zoom sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth trying again later: rate limits, expired tokens, Zoom's own failures, cut connections. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unauthorized' || this.kind === 'server' || this.kind === 'network' || this.kind === 'truncated';
  }
}
