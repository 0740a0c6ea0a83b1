/**
 * The workspace admin's vault operations (functions/vault/admin.ts) against
 * DynamoDB Local and the local KMS: ADMIN+ only (USER → 403), another
 * workspace's application → 404, users with their emails and counters, reads
 * only with a reason and each one in the audit chain with who and why,
 * audited deletes, and deleting an end user (sessions first, then the shred).
 */
import { randomUUID } from 'node:crypto';
import { createApplication, type ApplicationAuditContext } from '../../functions/applications/applications';
import { signup } from '../../functions/identity/accounts';
import { DomainError } from '../../functions/errors';
import type { Actor } from '../../functions/tenancy/actor';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { deleteAppUser, deleteUserValue, listAppUsers, listUserValues, readUserValue, type AppUserDirectory, type VaultAdminDeps } from '../../functions/vault/admin';
import { getValue, putValue, type VaultLimits } from '../../functions/vault/values';
import type { VaultSubject } from '../../functions/vault/entities';
import { createWorkspace } from '../../functions/workspaces/workspaces';
import { identityDeps, layer } from './data-fixtures';

const dl = layer();
const deps: VaultAdminDeps = { repo: dl.repo, table: dl.table, blind: dl.blind, audit: dl.audit, now: Date.now };
const limits: VaultLimits = { vaultValueBytes: 4096, vaultKeysPerUser: 10 };
const ctx: ApplicationAuditContext = { label: 'user#admin', requestId: 'req-vault-admin', ip: '198.51.100.7', userAgent: 'jest' };
const password = 'Vault-Admin-Correct-Horse-42';

async function error(p: Promise<unknown>): Promise<{ kind: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return { kind: err.kind, code: err.options.code };
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('vault admin operations', () => {
  let owner: Actor;
  let applicationId: string;
  let endUser: { id: string; email: string };
  const automationUser = `auto_${randomUUID().replace(/-/g, '')}`;
  const subject = (appUserId: string): VaultSubject => ({ tenant: owner.tenant, applicationId, appUserId });
  const events = async () => (await dl.audit.list(owner.tenant, { limit: 50 })).items;

  beforeAll(async () => {
    const identity = identityDeps();
    const req = { requestId: 'setup', ip: '127.0.0.1', userAgent: 'jest' };
    const ownerAccount = await signup(identity, { email: `owner-${randomUUID()}@example.com`, password }, req);
    const ws = await createWorkspace({ repo: dl.repo, keyring: dl.keyring, audit: dl.audit, now: Date.now }, ownerAccount.user.id, { name: 'Vault admin' });
    owner = { tenant: workspaceTenant(ws.id), memberId: ownerAccount.user.id, tier: ws.tier, role: 'OWNER' };
    const app = await createApplication({ repo: dl.repo, audit: dl.audit, now: Date.now }, owner, ctx, {
      name: 'Portal',
      allowedOrigins: ['https://portal.example.com'],
      redirectUris: ['https://portal.example.com/cb'],
      enabled: true,
    });
    applicationId = app.id;
    const email = `end-user-${randomUUID()}@example.com`;
    endUser = { id: (await signup(identity, { email, password }, req)).user.id, email };
    await putValue(deps, subject(endUser.id), 'cart', { items: ['tea'] }, { limits });
    await putValue(deps, subject(endUser.id), 'theme', 'dark', { limits });
    await putValue(deps, subject(automationUser), 'cursor', 42, { limits });
  });

  it('a USER gets 403 and another workspace gets 404 for every operation', async () => {
    const user: Actor = { ...owner, memberId: 'someone', role: 'USER' };
    const stranger: Actor = { ...owner, tenant: workspaceTenant(`w-${randomUUID()}`) };
    const calls = (a: Actor) => [
      listAppUsers(deps, a, applicationId, { limit: 10 }),
      listUserValues(deps, a, applicationId, endUser.id),
      readUserValue(deps, a, ctx, applicationId, endUser.id, 'cart', 'support ticket 1'),
      deleteUserValue(deps, a, ctx, applicationId, endUser.id, 'cart'),
      deleteAppUser(deps, a, ctx, applicationId, endUser.id),
    ];
    for (const p of calls(user)) expect(await error(p)).toEqual({ kind: 'forbidden', code: 'forbidden' });
    for (const p of calls(stranger)) expect(await error(p)).toEqual({ kind: 'not-found', code: 'application-not-found' });
    await expect(getValue(deps, subject(endUser.id), 'cart')).resolves.toMatchObject({ value: { items: ['tea'] } });
  });

  it('lists the users holding values with their email, kind and counters; an ADMIN may', async () => {
    const admin: Actor = { ...owner, role: 'ADMIN' };
    const { users, nextCursor } = await listAppUsers(deps, admin, applicationId, { limit: 25 });
    expect(nextCursor).toBeNull();
    expect(users).toHaveLength(2);
    expect(users.find((u) => u.userId === endUser.id)).toEqual({
      userId: endUser.id,
      email: endUser.email,
      kind: 'user',
      liveSessions: 0,
      valueCount: 2,
      valueBytes: JSON.stringify({ items: ['tea'] }).length + 6,
      lastSeenAt: null,
    });
    expect(users.find((u) => u.userId === automationUser)).toMatchObject({ email: null, kind: 'automation', valueCount: 1, valueBytes: 2 });
    expect((await listUserValues(deps, admin, applicationId, endUser.id)).map((e) => [e.key, e.size])).toEqual([
      ['cart', 17],
      ['theme', 6],
    ]);
  });

  it('takes who signed in (live sessions, last seen) from the directory port when the sessions domain gives one', async () => {
    const seen = '2026-11-29T01:00:00.000Z';
    const directory: AppUserDirectory = {
      list: async (_actor, app, page) => ({
        users: app === applicationId ? [{ userId: endUser.id, liveSessions: 2, lastSeenAt: seen }, { userId: 'never-wrote-a-value', liveSessions: 1, lastSeenAt: seen }] : [],
        nextCursor: page.cursor ? null : 'next',
      }),
    };
    const out = await listAppUsers({ ...deps, directory }, owner, applicationId, { limit: 10 });
    expect(out.nextCursor).toBe('next');
    expect(out.users).toEqual([
      { userId: endUser.id, email: endUser.email, kind: 'user', liveSessions: 2, valueCount: 2, valueBytes: 23, lastSeenAt: seen },
      { userId: 'never-wrote-a-value', email: null, kind: 'user', liveSessions: 1, valueCount: 0, valueBytes: 0, lastSeenAt: seen },
    ]);
  });

  it('reads a value only with a reason, and records who read which key and why', async () => {
    expect(await error(readUserValue(deps, owner, ctx, applicationId, endUser.id, 'cart', '  '))).toMatchObject({ kind: 'invalid' });
    const reason = `ticket ${randomUUID()}: customer asked why the cart is empty`;
    const read = await readUserValue(deps, owner, { ...ctx, label: `user#${owner.memberId}` }, applicationId, endUser.id, 'cart', reason);
    expect(read).toMatchObject({ key: 'cart', value: { items: ['tea'] }, version: 1 });
    const event = (await events()).find((e) => e.type === 'vault.value.read');
    expect(event).toMatchObject({ actor: `user#${owner.memberId}`, requestId: 'req-vault-admin', metadata: { applicationId, userId: endUser.id, key: 'cart', reason, version: 1 } });
    // an absent key is 404 and no read is recorded
    const before = (await events()).length;
    expect(await error(readUserValue(deps, owner, ctx, applicationId, endUser.id, 'nope', 'checking'))).toEqual({ kind: 'not-found', code: 'value-not-found' });
    expect((await events()).length).toBe(before);
  });

  it('deletes a value (audited; 404 when absent)', async () => {
    await deleteUserValue(deps, owner, ctx, applicationId, endUser.id, 'theme');
    expect(await error(getValue(deps, subject(endUser.id), 'theme'))).toEqual({ kind: 'not-found', code: 'value-not-found' });
    expect((await events()).find((e) => e.type === 'vault.value.deleted')).toMatchObject({ metadata: { applicationId, userId: endUser.id, key: 'theme', size: 6 } });
    expect(await error(deleteUserValue(deps, owner, ctx, applicationId, endUser.id, 'theme'))).toEqual({ kind: 'not-found', code: 'value-not-found' });
  });

  it('deletes an end user: sessions end first, then the values are shredded; audited', async () => {
    const order: string[] = [];
    const endSessions = async () => {
      order.push(`sessions ended; cart readable: ${(await getValue(deps, subject(endUser.id), 'cart').then(() => true))}`);
    };
    await expect(deleteAppUser(deps, owner, ctx, applicationId, endUser.id, { endSessions })).resolves.toEqual({ values: 1 });
    expect(order).toEqual(['sessions ended; cart readable: true']);
    expect(await error(getValue(deps, subject(endUser.id), 'cart'))).toMatchObject({ kind: 'not-found' });
    expect((await listAppUsers(deps, owner, applicationId, { limit: 10 })).users.map((u) => u.userId)).toEqual([automationUser]);
    expect((await events()).find((e) => e.type === 'vault.user.deleted')).toMatchObject({ metadata: { applicationId, userId: endUser.id, values: 1 } });
    // the automation user's values are untouched
    await expect(getValue(deps, subject(automationUser), 'cursor')).resolves.toMatchObject({ value: 42 });
  });
});
