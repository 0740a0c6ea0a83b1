/**
 * Selective sync: a toggle per type, every type on by default.
 *
 *   getSyncConfig(deps, tenant) -> { types: { history: true, … }, version }
 *   putSyncConfig(deps, subject, { types: { secret: false, … } }, ctx) -> same   (config_changed event; audited)
 *   typeGate(deps, tenant, type) -> the transaction check a write adds       (409 sync-type-disabled)
 */
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import { checkSubject, SYNC_CONFIG_SK, SYNC_TYPES, SyncConfigEntity, type SyncConfigItem, type SyncSubject, type SyncType } from './entities';
import { addEvent } from './events';
import { retryWrite, type SyncDeps } from './deps';
import { auditSync, type RequestContext } from './audit';

export interface SyncConfigView {
  readonly types: Readonly<Record<SyncType, boolean>>;
  readonly version: number;
}

const view = (item: Stored<SyncConfigItem> | undefined): SyncConfigView => ({
  types: Object.fromEntries(SYNC_TYPES.map((t) => [t, !item?.disabled.includes(t)])) as Record<SyncType, boolean>,
  version: item?.version ?? 0,
});

export async function getSyncConfig(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant): Promise<SyncConfigView> {
  return view(await deps.repo.get(tenant, SyncConfigEntity, SYNC_CONFIG_SK));
}

export async function putSyncConfig(deps: SyncDeps, subject: SyncSubject, input: { types: Partial<Record<SyncType, boolean>> }, ctx: RequestContext): Promise<SyncConfigView> {
  checkSubject(subject);
  const entries = Object.entries(input?.types ?? {});
  const bad = entries.filter(([t, on]) => !(SYNC_TYPES as readonly string[]).includes(t) || typeof on !== 'boolean');
  if (bad.length || entries.length === 0) {
    throw new DomainError('invalid', `Sync settings toggle the types ${SYNC_TYPES.join(', ')} with true or false`, {
      fields: (bad.length ? bad : [['types', null]]).map(([t]) => ({ in: 'body' as const, field: `types.${t}`, message: 'must be a sync type set to a boolean' })),
    });
  }
  const changed = await retryWrite(async () => {
    const current = await deps.repo.get(subject.tenant, SyncConfigEntity, SYNC_CONFIG_SK);
    const on = { ...view(current).types, ...Object.fromEntries(entries) } as Record<SyncType, boolean>;
    const ms = deps.now();
    const item: SyncConfigItem = { disabled: SYNC_TYPES.filter((t) => !on[t]), updatedAt: new Date(ms).toISOString(), updatedBy: subject.deviceId };
    const tx = deps.repo.tx(subject.tenant);
    if (current) tx.put(SyncConfigEntity, SYNC_CONFIG_SK, item, { expectedVersion: current.version });
    else tx.create(SyncConfigEntity, SYNC_CONFIG_SK, item);
    await addEvent(tx, ms, subject, 'config_changed').commit();
    return view({ ...item, sk: SYNC_CONFIG_SK, version: (current?.version ?? 0) + 1 });
  });
  await auditSync(deps, subject, ctx, 'sync.config.updated', { types: changed.types, version: changed.version });
  return changed;
}

/** The config as read, refusing a disabled type; `guard` is the check that pins it in the write's transaction. */
export function typeGate(config: Stored<SyncConfigItem> | undefined, type: SyncType) {
  if (config?.disabled.includes(type)) {
    throw new DomainError('conflict', `Sync of ${type} is turned off in this account's sync settings`, { code: 'sync-type-disabled', extra: { type } });
  }
  return (tx: ReturnType<SyncDeps['repo']['tx']>) =>
    tx.check(SyncConfigEntity, SYNC_CONFIG_SK, config ? { expectedVersion: config.version } : { absent: true });
}
