/**
 * The passkey items of a user, apart from passkeys.ts so the password sign-in (which asks for a
 * passkey as second factor) does not bundle the registration's attestation verifiers.
 */
import { userTenant } from '../tenancy/tenant';
import type { IdentityDeps } from './deps';
import { PasskeyEntity } from './entities';

/** Every passkey item of the user (at most MAX_PASSKEYS: one page). */
export async function passkeyItems(deps: Pick<IdentityDeps, 'repo'>, userId: string) {
  const page = await deps.repo.query(userTenant(userId), PasskeyEntity, { limit: 100, consistent: true });
  return page.items;
}
