/**
 * The SUPPORT grant item (support.ts has the rules): `SUPPORT#<userId>` in the
 * workspace's partition — who granted it, when, until when (`ttl` = expiresAt;
 * expiresAt is also checked on every read). Here so `memberActor` can read it
 * without importing support.ts (which imports memberActor).
 */
import { defineEntity } from '../data/entity';
import { DomainError } from '../errors';
import { workspaceTenant } from '../tenancy/tenant';
import type { StoreRepo } from './store';

export interface SupportGrantItem {
  /** Who granted it (the operator's name from the admin CLI). */
  grantedBy: string;
  grantedAt: string;
  expiresAt: string;
}
export const SupportGrantEntity = defineEntity<SupportGrantItem>({ name: 'workspace-support-grant', skPrefix: 'SUPPORT#', encrypted: [] });
export const supportSk = (userId: string) => `SUPPORT#${userId}`;

/** The live grant of `userId` on `workspaceId` (one consistent read, never cached; expired = absent). */
export async function liveSupportGrant(deps: { repo: Pick<StoreRepo, 'get'>; now: () => number }, userId: string, workspaceId: string) {
  const grant = await deps.repo.get(workspaceTenant(workspaceId), SupportGrantEntity, supportSk(userId), { consistent: true });
  return grant && Date.parse(grant.expiresAt) > deps.now() ? grant : undefined;
}

/** memberActor's answer to a non-member with a live grant, on a route SUPPORT may not use. */
export const supportReadOnly = () =>
  new DomainError('forbidden', 'Support access is read-only: the workspace, its members and its logs', {
    code: 'support-read-only',
    extra: { role: 'SUPPORT' },
  });
