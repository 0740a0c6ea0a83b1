/**
 * The sync domain's sentinel step (sentinel-scan.test.ts): a device stores a wrapped key,
 * snapshots under sentinel ids and history records whose blobs are base64 of sentinels
 * (as if a client had sent plaintext), replaces and forces, clears a type and changes its
 * settings. Blobs, ids and event details must never be in the table or a backup.
 */
import { putSyncConfig } from '../../functions/sync/config';
import type { SyncDeps } from '../../functions/sync/deps';
import { appendHistory, readHistory } from '../../functions/sync/history';
import { putWrappedKey } from '../../functions/sync/keys';
import { clearType, getSnapshot, putSnapshot } from '../../functions/sync/snapshots';
import type { SentinelStep } from './sentinel-workload';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export const syncSentinelStep: SentinelStep = {
  name: 'sync: wrapped key, snapshots (ids and blobs), history, cleared type, settings',
  async run({ dl, user, sentinel }) {
    const deps: SyncDeps = { repo: dl.repo, blind: dl.blind, audit: dl.audit, now: Date.now, limits: { syncItemBytes: 4096, syncTotalBytes: 1 << 30, auditRetentionDays: 30 } };
    const ctx = { requestId: 'req-sentinel', ip: '203.0.113.9', userAgent: 'sentinel/1.0' };
    const device = { tenant: user, deviceId: 'sentinel-device' };
    await putWrappedKey(deps, device, { blob: b64(sentinel('sync-wrapped-key')) }, ctx);
    await putWrappedKey(deps, device, { blob: b64(sentinel('sync-wrapped-key-2')), expectedVersion: 1 }, ctx);
    const envId = sentinel('sync-env-id');
    await putSnapshot(deps, device, 'environment', envId, { blob: b64(sentinel('sync-env-blob')) });
    await putSnapshot(deps, device, 'environment', envId, { blob: b64(sentinel('sync-env-blob-forced')), force: true });
    await putSnapshot(deps, device, 'setting', sentinel('sync-setting-id'), { blob: b64(sentinel('sync-setting-blob')) });
    await clearType(deps, device, 'setting', ctx);
    await appendHistory(deps, device, [0, 1, 2].map((idx) => ({ idx, blob: b64(sentinel(`sync-history-${idx}`)) })));
    await putSyncConfig(deps, device, { types: { collection: false } }, ctx);
    const read = await getSnapshot(deps, user, 'environment', envId);
    if (!Buffer.from(read.blob, 'base64').toString().startsWith('SENTINEL-sync-env-blob-forced')) throw new Error('snapshot not readable');
    if ((await readHistory(deps, user, 'sentinel-device', 0)).records.length !== 3) throw new Error('history not readable');
  },
};
