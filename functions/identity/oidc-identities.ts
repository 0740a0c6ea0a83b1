/**
 * Linked OpenID Connect identities of a user: link (in the caller's transaction: the global
 * `OIDCID#` guard makes an identity belong to one account), list, unlink, and the link that
 * waits for the signed-in owner's explicit confirmation. Audited in the user's chain.
 */
import { userTenant } from '../tenancy/tenant';
import { DomainError, notFound } from '../errors';
import type { Tier } from '../platform/tiers';
import type { Repository } from '../data/repository';
import { auditEvent, iso, type RequestContext } from './deps';
import { getCredential, isAuthentic, withIntegrity } from './credential-integrity';
import { USER_SK, UserEntity } from './entities';
import { newId } from './tokens';
import { claimPending, getPending, type OidcDeps } from './oidc-flow';
import { IdentityCredential, IdentityEntity, identityGuard, identitySk, OIDC_PENDING_TTL_MS, type IdentityItem } from './oidc-items';

export interface LinkedIdentityView {
  id: string;
  provider: string;
  providerName: string;
  email: string;
  linkedAt: string;
}

/** Identities one account may link (a list of buttons, not a collection). */
export const MAX_LINKED_IDENTITIES = 20;

const providerName = (deps: OidcDeps, id: string) => deps.oidc.list().find((p) => p.id === id)?.name ?? id;

function view(deps: OidcDeps, sk: string, item: IdentityItem): LinkedIdentityView {
  return { id: sk.slice('IDENTITY#'.length), provider: item.provider, providerName: providerName(deps, item.provider), email: item.email, linkedAt: item.linkedAt };
}

/** Adds the identity's guard and item to `tx` (ConflictError 'unique' when it is linked already). */
export function addLink(deps: OidcDeps, tx: ReturnType<Repository['tx']>, userId: string, link: { provider: string; subjectHash: string; email: string }): LinkedIdentityView {
  const id = newId();
  const guard = identityGuard(link.subjectHash);
  const item = withIntegrity(IdentityCredential, { ...link, linkedAt: iso(deps.now()) });
  tx.createGlobal(guard.pk, guard.sk, { userId, identityId: id }).create(IdentityEntity, identitySk(id), item);
  return view(deps, identitySk(id), item);
}

/** The account an identity is linked to, when its guard and its item (integrity checked) agree. */
export async function linkedUser(deps: OidcDeps, subjectHash: string): Promise<string | undefined> {
  const guard = identityGuard(subjectHash);
  const g = await deps.repo.getGlobal(guard.pk, guard.sk);
  if (typeof g?.userId !== 'string' || typeof g.identityId !== 'string') return undefined;
  const item = await getCredential(deps.repo, userTenant(g.userId), IdentityCredential, identitySk(g.identityId));
  return item && item.subjectHash === subjectHash ? g.userId : undefined;
}

export async function listIdentities(deps: OidcDeps, userId: string): Promise<LinkedIdentityView[]> {
  const page = await deps.repo.query(userTenant(userId), IdentityEntity, { limit: MAX_LINKED_IDENTITIES, consistent: true });
  return page.items.filter((i) => isAuthentic(IdentityCredential, i)).map((i) => view(deps, i.sk, i));
}

/** The link this browser brought back for the signed-in user, if it waits for them. */
export async function pendingLinkFor(deps: OidcDeps, userId: string, binding: string | undefined) {
  const pending = await getPending(deps, binding, 'link');
  if (!pending || pending.userId !== userId) return null;
  const user = await deps.repo.get(userTenant(userId), UserEntity, USER_SK);
  if (!user) return null;
  return { provider: pending.provider, providerName: providerName(deps, pending.provider), email: user.email, expiresAt: iso(pending.expiresAt) };
}

/**
 * The owner's explicit confirmation: links the identity this browser brought back (its verified
 * email is the account's) to the signed-in account. Once: the pending item is claimed first.
 */
export async function confirmPendingLink(
  deps: OidcDeps,
  actor: { userId: string; tier: Tier },
  binding: string | undefined,
  ctx: RequestContext,
): Promise<LinkedIdentityView> {
  const pending = await getPending(deps, binding, 'link');
  if (!pending || !binding || pending.userId !== actor.userId || !(await claimPending(deps, binding, pending))) {
    throw new DomainError('not-found', `No identity waits to be linked to this account in this browser (a link waits ${OIDC_PENDING_TTL_MS / 60_000} minutes)`, {
      code: 'no-pending-link',
    });
  }
  const tenant = userTenant(actor.userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  if (!user) throw notFound('User');
  const tx = deps.repo.tx(tenant);
  const linked = addLink(deps, tx, actor.userId, { provider: pending.provider, subjectHash: pending.subjectHash, email: user.email });
  try {
    await tx.commit();
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') {
      throw new DomainError('conflict', 'This identity is already linked to an account', { code: 'identity-linked' });
    }
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.identity.linked', `user#${actor.userId}`, { identityId: linked.id, provider: linked.provider });
  return linked;
}

export async function unlinkIdentity(deps: OidcDeps, actor: { userId: string; tier: Tier }, id: string, ctx: RequestContext): Promise<void> {
  const tenant = userTenant(actor.userId);
  const item = await deps.repo.get(tenant, IdentityEntity, identitySk(id));
  if (!item) throw notFound('Linked identity');
  const guard = identityGuard(item.subjectHash);
  try {
    await deps.repo.tx(tenant).delete(IdentityEntity, item.sk, { expectedVersion: item.version }).deleteGlobal(guard.pk, guard.sk).commit();
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw notFound('Linked identity');
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.identity.unlinked', `user#${actor.userId}`, { identityId: id, provider: item.provider });
}
