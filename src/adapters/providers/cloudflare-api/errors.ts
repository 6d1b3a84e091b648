import { CloudflareApiError, type CloudflareErrorKind } from '../../../domain/providers/cloudflare/api-error';

export { CloudflareApiError, type CloudflareErrorKind };

export function errorFor(status: number, what: string, detail: string): CloudflareApiError {
  const text = `${what} → HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return new CloudflareApiError('unauthorized', status, text);
  if (status === 404) return new CloudflareApiError('not_found', status, text);
  if (status === 429) return new CloudflareApiError('rate_limited', status, text);
  if (status >= 500) return new CloudflareApiError('server', status, text);
  return new CloudflareApiError('refused', status, text);
}

/** Cloudflare's `errors: [{code, message}]`, or RealtimeKit's `error: {message}`. */
export function detailOf(body: unknown): string {
  const b = body as { errors?: Array<{ code?: number; message?: string }>; error?: { message?: string } | string } | null;
  if (Array.isArray(b?.errors) && b.errors.length) return b.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ').slice(0, 500);
  if (typeof b?.error === 'string') return b.error.slice(0, 500);
  return b?.error?.message?.slice(0, 500) ?? '';
}
