/**
 * What each command of `sync-client` does, as functions returning a JSON-able result (the
 * entry bin/sync-client.ts parses arguments and prints): push and pull of every type turned on,
 * and the status of a device.
 */
import { pullHistory, pushHistory, type HistoryPullResult, type HistoryPushResult } from './history';
import { problemSlug, type LinkedDevice } from './device';
import { pullSnapshots, pushSnapshots, type SnapshotPullResult, type SnapshotPushResult } from './snapshots';
import { SNAPSHOT_TYPES, SYNC_TYPES, type SyncType } from './state';

/** Types asked for (`--type`, default all) that the sync settings have on. */
export async function activeTypes(device: LinkedDevice, only?: readonly string[]): Promise<{ on: SyncType[]; off: SyncType[] }> {
  const wanted = SYNC_TYPES.filter((t) => !only?.length || only.includes(t));
  const unknown = only?.filter((t) => !(SYNC_TYPES as readonly string[]).includes(t)) ?? [];
  if (unknown.length) throw new Error(`unknown type ${unknown.join(', ')} (types: ${SYNC_TYPES.join(', ')})`);
  const { types } = await device.api.getConfig();
  return { on: wanted.filter((t) => types[t]), off: wanted.filter((t) => !types[t]) };
}

const isSnapshotType = (t: SyncType): t is (typeof SNAPSHOT_TYPES)[number] => t !== 'history';

export async function push(device: LinkedDevice, only?: readonly string[]) {
  const { on, off } = await activeTypes(device, only);
  const types: Partial<Record<SyncType, SnapshotPushResult | HistoryPushResult>> = {};
  for (const t of on) types[t] = isSnapshotType(t) ? await pushSnapshots(device, t) : await pushHistory(device);
  return { types, skipped: off, requests: device.api.requests };
}

export async function pull(device: LinkedDevice, only?: readonly string[]) {
  const { on, off } = await activeTypes(device, only);
  const types: Partial<Record<SyncType, SnapshotPullResult | HistoryPullResult>> = {};
  for (const t of on) types[t] = isSnapshotType(t) ? await pullSnapshots(device, t) : await pullHistory(device);
  return { types, skipped: off, requests: device.api.requests };
}

/** The device as its profile knows it, and (unless `offline`) as the server sees it. */
export async function status(device: LinkedDevice, offline = false) {
  const { state, profile } = device;
  const local = {
    deviceId: state.deviceId,
    deviceName: state.deviceName,
    server: state.baseUrl,
    linkedAt: state.linkedAt,
    unlocked: profile.masterKey() !== undefined,
    keyVersion: state.keyVersion ?? null,
    snapshots: Object.fromEntries(SNAPSHOT_TYPES.map((t) => [t, { known: Object.keys(state.snapshots[t] ?? {}).length, local: profile.localSnapshots(t).size }])),
    history: { local: profile.historyLog('local').length, pushed: state.ownPushed, pending: profile.outbox().length, pulled: state.history },
  };
  if (offline) return { local };
  const [config, history, key] = await Promise.all([device.api.getConfig(), device.api.historyStatus(), device.api.getKey().catch((e: unknown) => {
    if (problemSlug(e, 404)) return null;
    throw e;
  })]);
  return { local, remote: { types: config.types, history: history.devices, keyVersion: key?.version ?? null } };
}
