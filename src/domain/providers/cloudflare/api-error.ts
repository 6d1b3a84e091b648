/** Cloudflare's failures as Aula tells them apart: the caller decides, by kind, whether to retry or give up. */
export type CloudflareErrorKind = 'unauthorized' | 'not_found' | 'refused' | 'rate_limited' | 'server' | 'network' | 'foreign_host' | 'too_large' | 'truncated';

export class CloudflareApiError extends Error {
  override name = 'CloudflareApiError';
  constructor(
    readonly kind: CloudflareErrorKind,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }

  /** Worth another attempt later: Cloudflare was down, slow or limiting, or the connection broke. */
  get retryable(): boolean {
    return this.kind === 'server' || this.kind === 'network' || this.kind === 'rate_limited' || this.kind === 'truncated';
  }
}
