import { z } from 'zod';

/** Shared request shapes; one place so every route validates ids and paging the same way. */
export const IdParam = z.object({ id: z.string().min(1).max(100) });
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});
export const ExternalId = z.string().min(1).max(200).nullable().optional();
export const IsoDateTime = z.iso.datetime({ offset: true });
