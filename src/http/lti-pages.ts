import type { FastifyReply, FastifyRequest } from 'fastify';
import { LtiRefusal } from '../domain/lti/refusal';
import { DomainError } from '../domain/errors';
import { errorBody } from './errors';

/** Small self-contained pages of the LTI flow (they run before, or beside, the browser app). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function ltiPage(title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Aula</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2430}main{max-width:44rem}.error{color:#a4262c}code{background:#f1f3f6;padding:.1rem .3rem;border-radius:3px}
button{font:inherit;padding:.3rem .8rem;margin:.2rem 0;cursor:pointer}li{margin:.3rem 0}.muted{color:#5b6472}</style></head>
<body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

export function wantsJson(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** A refusal: JSON for programs, a page a person can read (with the same code) for browsers. Never a stack trace. */
export function sendLtiError(req: FastifyRequest, reply: FastifyReply, err: unknown) {
  let status: number;
  let code: string;
  let message: string;
  if (err instanceof LtiRefusal) ({ status, code, message } = err);
  else if (err instanceof DomainError) {
    const byCode: Partial<Record<string, number>> = { bad_request: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_many_requests: 429 };
    status = byCode[err.code] ?? 422;
    ({ code, message } = err);
  } else {
    req.log.error({ err, route: req.routeOptions.url }, 'lti request failed');
    status = 500;
    code = 'internal';
    message = 'Something went wrong on our side; the error has been logged';
  }
  if (status < 500) req.log.warn({ code, message, route: req.routeOptions.url }, 'lti request refused');
  reply.status(status);
  if (wantsJson(req)) return reply.send(errorBody(code, message));
  return reply.type('text/html; charset=utf-8').send(ltiPage('Launch refused', `<h1>Aula could not open this link</h1>
<p class="error" id="lti-error" data-error-code="${escapeHtml(code)}">${escapeHtml(message)}</p>
<p class="muted">Error code <code>${escapeHtml(code)}</code>. If this keeps happening, give the code to your LMS administrator.</p>`));
}
