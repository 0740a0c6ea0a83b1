/**
 * The session vault's sentinel entry (sentinel-workspaces.ts): the workspace's member
 * (signed up with a sentinel email) is an application's end user who stores values under
 * sentinel key names; an automation service user does too; the OWNER lists the users (the
 * email shown decrypted), reads a value with a sentinel reason (audited) and deletes another
 * end user (crypto-shred). Values, key names, reasons and emails must never be in the table
 * or a backup.
 */
import { createApplication } from '../../functions/applications/applications';
import { listAppUsers, readUserValue, deleteAppUser, type VaultAdminDeps } from '../../functions/vault/admin';
import { listValues, putValue } from '../../functions/vault/values';
import type { WorkspaceSentinel } from './sentinel-workspaces';

export const vaultSentinel: WorkspaceSentinel = {
  name: 'session vault (values, key names, end-user emails, read reasons, a shredded user)',
  async run(ctx) {
    const deps: VaultAdminDeps = { repo: ctx.dl.repo, table: ctx.dl.table, blind: ctx.dl.blind, audit: ctx.dl.audit, now: Date.now };
    const audit = { label: `user#${ctx.owner.memberId}`, requestId: 'sentinel-vault', ip: ctx.sentinel('vault-audit-ip'), userAgent: ctx.sentinel('vault-audit-ua') };
    const app = await createApplication({ repo: ctx.dl.repo, audit: ctx.dl.audit, now: Date.now }, ctx.owner, audit, {
      name: ctx.sentinel('vault-app'),
      allowedOrigins: ['https://vault.example.com'],
      redirectUris: ['https://vault.example.com/cb'],
      enabled: true,
    });
    const limits = { vaultValueBytes: 16 * 1024, vaultKeysPerUser: 100 };
    const member = { tenant: ctx.owner.tenant, applicationId: app.id, appUserId: ctx.member.userId };
    const automation = { ...member, appUserId: 'auto_sentinelcredential' };
    const shredded = { ...member, appUserId: 'sentinel-gone-user' };
    const key = ctx.sentinel('vault-key-name');
    await putValue(deps, member, key, { note: ctx.sentinel('vault-value'), nested: [ctx.sentinel('vault-nested')] }, { limits });
    await putValue(deps, member, key, ctx.sentinel('vault-value-v2'), { limits, ifMatch: 1 });
    await putValue(deps, automation, ctx.sentinel('vault-auto-key'), ctx.sentinel('vault-auto-value'), { limits });
    await putValue(deps, shredded, ctx.sentinel('vault-shred-key'), ctx.sentinel('vault-shred-value'), { limits });

    const users = (await listAppUsers(deps, ctx.owner, app.id, { limit: 10 })).users;
    if (users.find((u) => u.userId === ctx.member.userId)?.email !== ctx.member.email) throw new Error('end user email not shown');
    if ((await listValues(deps, member))[0]?.key !== key) throw new Error('key name not readable');
    const read = await readUserValue(deps, ctx.owner, audit, app.id, ctx.member.userId, key, ctx.sentinel('vault-read-reason'));
    if (typeof read.value !== 'string' || !read.value.startsWith('SENTINEL-vault-value-v2')) throw new Error('value not readable');
    if ((await deleteAppUser(deps, ctx.owner, audit, app.id, shredded.appUserId)).values !== 1) throw new Error('user not shredded');
  },
};
