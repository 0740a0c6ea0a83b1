/**
 * Sync's audit events in the user's chain (issue 16 item 7): settings updated, key stored and
 * rotated, data cleared (type, count), with the request's IP and user agent, which lie sealed
 * at rest (the raw audit items hold neither) and the chain still verifies.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { limitsFor } from '../../functions/platform/tiers';
import { putSyncConfig } from '../../functions/sync/config';
import type { SyncDeps } from '../../functions/sync/deps';
import { putWrappedKey } from '../../functions/sync/keys';
import { clearType, putSnapshot } from '../../functions/sync/snapshots';
import { tenantPk, userTenant } from '../../functions/tenancy/tenant';
import { layer, mainTable, partition } from './data-fixtures';

const dl = layer();
const deps: SyncDeps = { repo: dl.repo, blind: dl.blind, audit: dl.audit, now: Date.now, limits: limitsFor('free') };
const ctx = { requestId: 'req-sync-audit', ip: '198.51.100.77', userAgent: 'SyncAuditAgent/9.9' };
const blob = () => randomBytes(32).toString('base64');

it('records settings, key stored / rotated and clears with who and where; IP and user agent are sealed at rest', async () => {
  const subject = { tenant: userTenant(`u-${randomUUID()}`), deviceId: 'dev-audit' };
  await putWrappedKey(deps, subject, { blob: blob() }, ctx);
  await putWrappedKey(deps, subject, { blob: blob(), expectedVersion: 1 }, ctx);
  await putSyncConfig(deps, subject, { types: { setting: false } }, ctx);
  await putSnapshot(deps, subject, 'secret', 'a', { blob: blob() });
  await putSnapshot(deps, subject, 'secret', 'b', { blob: blob() });
  await clearType(deps, subject, 'secret', ctx);
  const { items } = await dl.audit.list(subject.tenant, { oldestFirst: true });
  expect(items.map((e) => [e.type, e.metadata])).toEqual([
    ['sync.key.stored', { deviceId: 'dev-audit', version: 1 }],
    ['sync.key.rotated', { deviceId: 'dev-audit', version: 2 }],
    ['sync.config.updated', { deviceId: 'dev-audit', version: 1, types: { history: true, environment: true, secret: true, collection: true, setting: false } }],
    ['sync.data.cleared', { deviceId: 'dev-audit', type: 'secret', count: 2 }],
  ]);
  for (const e of items) expect(e).toMatchObject({ actor: `user#${subject.tenant.id}`, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId });
  const raw = JSON.stringify(await partition(mainTable(), tenantPk(subject.tenant)));
  expect(raw).not.toContain(ctx.ip);
  expect(raw).not.toContain('SyncAuditAgent');
  await expect(dl.audit.verify(subject.tenant)).resolves.toMatchObject({ ok: true, count: 4 });
});
