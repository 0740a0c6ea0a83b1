/** What a domain call ended with, for tables of expectations: 'ok', or the DomainError's kind, code and extra. */
import { DomainError } from '../../functions/errors';

export async function outcome(p: Promise<unknown>): Promise<string | { kind: string; code?: string; extra?: unknown }> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { kind: err.kind, code: err.options.code, extra: err.options.extra };
  }
}
