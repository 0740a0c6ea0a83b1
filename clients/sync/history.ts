/**
 * History: an append-only log per device (atuin's model). This device's log is
 * `<data>/history/local.jsonl` (line n = idx n); the other devices' logs are pulled into
 * `<data>/history/<deviceId>.jsonl`, whose line count is the next idx to download.
 *
 *   push  records past the last acknowledged idx are sealed (AAD: history | <deviceId>#<idx>)
 *         into the outbox FIRST, then POSTed in batches; a lost answer is retried with the same
 *         blobs, which the server skips as an idempotent retry; a 409 (history-gap or
 *         history-conflict) because the server already holds more of this log than the
 *         state says skips what it holds
 *   pull  GET /sync/history (each log's highest idx) vs the local line counts → page through
 *         GET /sync/history/{deviceId}?fromIdx=&limit= for what is missing
 */
import { ApiError } from '../../frontend/core/problem';
import { historyRecordId, openRecord, sealRecord } from './crypto';
import type { LinkedDevice } from './device';
import type { SealedHistoryRecord } from './state';

/** The contract's most records per append, and what keeps a request far under Lambda's 6 MB payload. */
export const APPEND_BATCH_RECORDS = 5_000;
const APPEND_BATCH_BYTES = 3 * 1024 * 1024;
/** The contract's largest page. */
export const READ_PAGE_RECORDS = 5_000;

export interface HistoryPushResult {
  appended: number;
  maxIdx: number;
  disabled?: true;
}

export interface HistoryPullResult {
  /** Records downloaded, per device. */
  downloaded: Record<string, number>;
}

function nextBatch(outbox: SealedHistoryRecord[]): SealedHistoryRecord[] {
  let bytes = 0;
  let n = 0;
  while (n < outbox.length && n < APPEND_BATCH_RECORDS && (n === 0 || bytes + outbox[n].blob.length <= APPEND_BATCH_BYTES)) bytes += outbox[n++].blob.length;
  return outbox.slice(0, n);
}

export async function pushHistory(device: LinkedDevice): Promise<HistoryPushResult> {
  const { profile, state, api } = device;
  let outbox = profile.outbox();
  const local = profile.historyLog('local');
  const sealedUpTo = outbox.length ? outbox[outbox.length - 1].idx + 1 : state.ownPushed;
  if (local.length > sealedUpTo) {
    const key = device.masterKey();
    for (let idx = sealedUpTo; idx < local.length; idx++) outbox.push({ idx, blob: sealRecord(key, 'history', historyRecordId(state.deviceId, idx), local[idx]) });
    profile.saveOutbox(outbox);
  }
  const result: HistoryPushResult = { appended: 0, maxIdx: state.ownPushed - 1 };
  while (outbox.length) {
    const batch = nextBatch(outbox);
    try {
      const r = await api.appendHistory(batch);
      result.appended += r.appended;
      result.maxIdx = r.maxIdx;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.slug === 'sync-type-disabled') return { ...result, disabled: true };
      if (!(err instanceof ApiError && err.status === 409 && (err.slug === 'history-gap' || err.slug === 'history-conflict'))) throw err;
      // The server holds more of this log than the state says (the state was lost after a push):
      // skip what it holds. Anything else (the server holds less) is not this client's to guess.
      const serverNext = ((await api.historyStatus()).devices[state.deviceId] ?? -1) + 1;
      if (serverNext <= batch[0].idx) throw err;
      outbox = outbox.filter((r) => r.idx >= serverNext);
      state.ownPushed = serverNext;
      profile.saveOutbox(outbox);
      device.save();
      continue;
    }
    outbox = outbox.slice(batch.length);
    state.ownPushed = batch[batch.length - 1].idx + 1;
    profile.saveOutbox(outbox);
    device.save();
  }
  return result;
}

export async function pullHistory(device: LinkedDevice, pageSize = READ_PAGE_RECORDS): Promise<HistoryPullResult> {
  const { profile, state, api } = device;
  const result: HistoryPullResult = { downloaded: {} };
  const { devices } = await api.historyStatus();
  const key = Object.keys(devices).some((d) => d !== state.deviceId) ? device.masterKey() : undefined;
  for (const [deviceId, maxIdx] of Object.entries(devices).sort(([a], [b]) => a.localeCompare(b))) {
    if (deviceId === state.deviceId) continue;
    let next = profile.historyLog(deviceId).length;
    while (next <= maxIdx) {
      const page = await api.readHistory(deviceId, next, pageSize);
      const values = page.records.map((r, i) => {
        if (r.idx !== next + i) throw new Error(`history of ${deviceId}: expected idx ${next + i}, got ${r.idx}`);
        return openRecord(key!, 'history', historyRecordId(deviceId, r.idx), r.blob);
      });
      if (values.length === 0) break;
      profile.appendHistoryLog(deviceId, values);
      next += values.length;
      result.downloaded[deviceId] = (result.downloaded[deviceId] ?? 0) + values.length;
      state.history[deviceId] = next;
      device.save();
    }
  }
  return result;
}
