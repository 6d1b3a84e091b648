import { z } from 'zod';

/** Shared request shapes; one place so every route validates ids, text, dates and paging the same way. */

/** An id in a path, query or body: trimmed, never blank (a blank id is a client bug, not a lookup). */
export const Id = z.string().trim().min(1, 'must not be blank').max(100);
export const IdParam = z.object({ id: Id });
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});
export const ExternalId = z.string().trim().min(1, 'must not be blank').max(200).nullable().optional();
/** A secret or password as typed: kept exactly, but one of only spaces is a mistake, not a secret. */
export const Secret = (min: number, max: number) =>
  z.string().min(min).max(max).refine((v) => v.trim() !== '', 'must not be only whitespace');

// Far outside these years a date is a typo or a probe; Aula schedules classes and filters history, nothing else.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    const t = Date.parse(v);
    return Number.isFinite(t) && t >= EARLIEST && t < LATEST;
  }, 'must be a date between 2000-01-01 and 2100-01-01');

/** The documented shape of every error answer. */
export const ErrorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
