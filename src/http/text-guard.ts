import { DomainError } from '../domain/errors';

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A reason the string cannot be stored as text, or null. NUL ends C strings in tools and PostgreSQL refuses it. */
function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (UNPAIRED_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

const MAX_DEPTH = 64;

/** The path of the first string (key or value) that is not storable text, with the reason. */
function findBadText(value: unknown, at: string, depth: number): { at: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { at, problem } : null;
  }
  // Raw bodies (uploads, chat logs) are bytes, checked where they are decoded.
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || ArrayBuffer.isView(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], `${at}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) return { at: `${at} key`, problem: keyProblem };
    const bad = findBadText(inner, `${at}.${key}`, depth + 1);
    if (bad) return bad;
  }
  return null;
}

/**
 * Every request's body, query and path parameters are checked once, before any route's schema: text that is not
 * valid Unicode or carries NUL is refused with 400 wherever it appears, so no route can forget to.
 */
export function assertStorableText(parts: { body: unknown; query: unknown; params: unknown }): void {
  for (const [name, value] of Object.entries(parts)) {
    const bad = findBadText(value, name, 0);
    if (bad) throw new DomainError('bad_request', `Invalid ${bad.at}: ${bad.problem}`);
  }
}
