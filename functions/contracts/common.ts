import * as z from 'zod';

/** Ids we mint: 22-char base64url (128 bits). */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be an id');
export const IdParams = z.object({ id: Id });
export const Cursor = z.string().min(1).max(2048);
export const PageQuery = z.object({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export const IsoTime = z.string().max(40);
export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));

/** Wildcards (`*`, `?`) one glob may hold (job record matches and dns-sync manage globs). */
export const MAX_GLOB_WILDCARDS = 16;
export const withinWildcardLimit = (glob: string) => (glob.match(/[*?]/g)?.length ?? 0) <= MAX_GLOB_WILDCARDS;
export const WILDCARD_LIMIT_MESSAGE = `a pattern may hold at most ${MAX_GLOB_WILDCARDS} wildcards (* and ?)`;
