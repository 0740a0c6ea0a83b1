/** Callers for the Cloudflare domain functions in tests: a fresh owner, an audit context, the DomainError a call throws. */
import type { AuditContext } from '../../functions/cloudflare/accounts';
import { DomainError } from '../../functions/errors';
import type { Actor } from '../../functions/tenancy/actor';
import { freshUser } from './data-fixtures';

/** The OWNER of a fresh tenant. */
export function actorFor(): Actor {
  const tenant = freshUser();
  return { tenant, memberId: tenant.id, tier: 'free', role: 'OWNER' };
}

export const audit: AuditContext = { label: 'user#test', requestId: 'test', ip: '127.0.0.1', userAgent: 'jest' };

/** The DomainError `p` rejects with (fails if it resolves or throws anything else). */
export async function caught(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}
