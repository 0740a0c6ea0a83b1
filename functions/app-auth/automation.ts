/**
 * Automation credentials of an application (n8n, Make, Zapier, AI agents): bearer tokens that
 * reach the Session API only (`auth: 'app'`), acting as the credential's own service user
 * (`auto_<credentialId>`), so they never read an end user's values. OWNER/ADMIN manage them;
 * the secret is shown once; revoking deletes the item (refused on the next request).
 *
 *   createAutomationCredential(deps, actor, ctx, applicationId, name) -> { credential, secret }
 *   listAutomationCredentials(deps, actor, applicationId) -> credential[]
 *   deleteAutomationCredential(deps, actor, ctx, applicationId, credentialId) -> void
 */
import type { ApplicationAuditContext } from '../applications/applications';
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import { withIntegrity } from '../identity/credential-integrity';
import { mintAppToken, newId } from '../identity/tokens';
import type { Actor } from '../tenancy/actor';
import { automationUserId } from '../tenancy/principal';
import { assertCan } from '../workspaces/permissions';
import { createUnderCap } from '../data/capped-create';
import { ConflictError } from '../data/errors';
import { auditApp, ownApplication, type AppAdminDeps } from './admin-support';
import { firstRevision } from './app-sessions';
import {
  AppUserEntity,
  appUserSk,
  AutomationCredentialEntity,
  AutomationCredentialKind,
  automationCredentialSk,
  automationCredentialsPrefix,
  type AutomationCredentialItem,
} from './entities';

/** Automation credentials one application may hold. */
export const MAX_AUTOMATION_CREDENTIALS = 20;
const PREFIX_LENGTH = 16;


export interface AutomationCredentialView {
  id: string;
  name: string;
  appUserId: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const idOf = (applicationId: string, sk: string) => sk.slice(automationCredentialsPrefix(applicationId).length);
const view = (applicationId: string, c: Stored<AutomationCredentialItem>): AutomationCredentialView => {
  const id = idOf(applicationId, c.sk);
  return { id, name: c.name, appUserId: automationUserId(id), prefix: c.prefix, createdAt: c.createdAt, lastUsedAt: c.lastUsedAt };
};

export async function createAutomationCredential(
  deps: AppAdminDeps,
  actor: Actor,
  ctx: ApplicationAuditContext,
  applicationId: string,
  name: string,
): Promise<{ credential: AutomationCredentialView; secret: string }> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  const id = newId();
  const { token, secretHash } = mintAppToken('automation', [actor.tenant.id, applicationId, id]);
  const at = new Date(deps.now()).toISOString();
  const item = withIntegrity(AutomationCredentialKind, {
    name,
    prefix: token.slice(0, PREFIX_LENGTH),
    secretHash,
    createdBy: actor.memberId,
    createdAt: at,
    lastUsedAt: null,
  });
  const cap = {
    name: `automation#${applicationId}`,
    limit: MAX_AUTOMATION_CREDENTIALS,
    count: async () =>
      (await deps.repo.query(actor.tenant, AutomationCredentialEntity, { skPrefix: automationCredentialsPrefix(applicationId), limit: MAX_AUTOMATION_CREDENTIALS + 1, consistent: true })).items.length,
    refuse: () =>
      new DomainError('limit-exceeded', `An application may hold at most ${MAX_AUTOMATION_CREDENTIALS} automation credentials; revoke one first`, {
        code: 'automation-credential-limit',
        extra: { limit: MAX_AUTOMATION_CREDENTIALS },
      }),
  };
  await createUnderCap(
    deps.repo,
    actor.tenant,
    cap,
    (tx) =>
      tx
        .create(AutomationCredentialEntity, automationCredentialSk(applicationId, id), item)
        .create(AppUserEntity, appUserSk(applicationId, automationUserId(id)), { revision: firstRevision(deps.now()), kind: 'automation' as const, createdAt: at, lastSeenAt: at }),
    deps.now,
  );
  await auditApp(deps, actor, ctx, 'application.credential.created', { applicationId, credentialId: id });
  return { credential: view(applicationId, { ...item, sk: automationCredentialSk(applicationId, id), version: 1 }), secret: token };
}

export async function listAutomationCredentials(deps: AppAdminDeps, actor: Actor, applicationId: string): Promise<AutomationCredentialView[]> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  const out = await deps.repo.query(actor.tenant, AutomationCredentialEntity, { skPrefix: automationCredentialsPrefix(applicationId), limit: MAX_AUTOMATION_CREDENTIALS });
  return out.items.map((c) => view(applicationId, c));
}

export async function deleteAutomationCredential(deps: AppAdminDeps, actor: Actor, ctx: ApplicationAuditContext, applicationId: string, credentialId: string): Promise<void> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  try {
    await deps.repo.delete(actor.tenant, AutomationCredentialEntity, automationCredentialSk(applicationId, credentialId));
  } catch (err) {
    if (err instanceof ConflictError) throw new DomainError('not-found', 'Automation credential not found', { code: 'credential-not-found' });
    throw err;
  }
  await auditApp(deps, actor, ctx, 'application.credential.revoked', { applicationId, credentialId });
}
