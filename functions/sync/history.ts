/**
 * `history`: an append-only log per device (atuin's record store v2: each host appends
 * records with increasing idx; a client compares per-host highest idx and downloads what it
 * misses). Records are contiguous from idx 0 per device.
 *
 *   appendHistory(deps, subject, [{ idx, blob }, …]) -> { maxIdx, appended, transactions }
 *       idx strictly increasing, starting at the device's maxIdx + 1 (409 history-gap { expectedIdx });
 *       a record already stored with the same blob is an idempotent retry (skipped); another
 *       blob at a stored idx is 409 history-conflict { idx }. Up to 98 records per transaction
 *       with the device's head (and the settings check): a few requests for thousands. Each
 *       transaction adds its bytes to the user's usage (usage.ts): past the tier's total, 413
 *       too-large (the transactions before it stay committed; the head says how far it got).
 *   historyStatus(deps, tenant) -> { [deviceId]: maxIdx }
 *   readHistory(deps, tenant, deviceId, fromIdx, { limit?, maxBytes? }) -> { records, nextIdx? }
 *   clearHistory(deps, subject, ctx) -> { deleted }  every device's log, heads first (data_cleared; audited)
 */
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import { blobBytes, blobHash, checkBlobSize } from './blobs';
import { typeGate } from './config';
import { queryAll, retryWrite, TABLE_BLOB_BYTES, type SyncDeps } from './deps';
import {
  checkDeviceId,
  checkSubject,
  HistoryHeadEntity,
  historyHeadSk,
  HistoryRecordEntity,
  historyRecordSk,
  SYNC_CONFIG_SK,
  SyncConfigEntity,
  type HistoryHeadItem,
  type HistoryRecordItem,
  type SyncSubject,
} from './entities';
import { deleteListed } from './delete-chunks';
import { addEvent } from './events';
import { addUsage, commitUsage } from './usage';
import { auditSync, type RequestContext } from './audit';

export interface HistoryRecordInput {
  readonly idx: number;
  readonly blob: string;
}

/** Records one append call takes. */
export const APPEND_MAX_RECORDS = 5_000;
/** Per transaction: 100 writes, minus the head, the settings check, the usage (2) and the event in the last. */
const RECORDS_PER_TX = 95;
/** Client blob bytes per transaction: sealed they grow ~1.8×, and a transaction carries at most 4 MB. */
const BYTES_PER_TX = 1_500_000;
/** BatchGetItem reads 100 keys at most. */
const READ_BATCH = 100;

const invalid = (message: string, field: string) => new DomainError('invalid', message, { fields: [{ in: 'body', field, message }] });

function checkRecords(records: readonly HistoryRecordInput[], itemLimit: number) {
  if (!Array.isArray(records) || records.length === 0) throw invalid('records must be a non-empty array', 'records');
  if (records.length > APPEND_MAX_RECORDS) {
    throw new DomainError('payload-too-large', `An append carries at most ${APPEND_MAX_RECORDS} records`, { code: 'too-large', extra: { limit: APPEND_MAX_RECORDS, size: records.length } });
  }
  return records.map((r, i) => {
    if (!Number.isSafeInteger(r?.idx) || r.idx < 0) throw invalid('idx is an integer ≥ 0', `records.${i}.idx`);
    if (i > 0 && r.idx <= records[i - 1].idx) throw invalid('idx must increase strictly', `records.${i}.idx`);
    const bytes = blobBytes(r.blob, `records.${i}.blob`);
    checkBlobSize(bytes, itemLimit, 'history record');
    return { idx: r.idx, blob: r.blob, bytes, hash: blobHash(r.blob) };
  });
}

async function getRecords(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant, deviceId: string, idxs: number[]) {
  const out: (Stored<HistoryRecordItem> | undefined)[] = [];
  for (let i = 0; i < idxs.length; i += READ_BATCH) {
    out.push(...(await deps.repo.getMany(idxs.slice(i, i + READ_BATCH).map((idx) => ({ tenant, entity: HistoryRecordEntity, sk: historyRecordSk(deviceId, idx) })))));
  }
  return out;
}

export async function appendHistory(deps: SyncDeps, subject: SyncSubject, records: readonly HistoryRecordInput[]) {
  checkSubject(subject);
  // History records stay in the table (they are many and small): the table budget caps them too.
  const checked = checkRecords(records, Math.min(deps.limits.syncItemBytes, TABLE_BLOB_BYTES));
  const headSk = historyHeadSk(subject.deviceId);
  return retryWrite(async () => {
    const [config, head] = await deps.repo.getMany([
      { tenant: subject.tenant, entity: SyncConfigEntity, sk: SYNC_CONFIG_SK },
      { tenant: subject.tenant, entity: HistoryHeadEntity, sk: headSk },
    ] as const);
    const guard = typeGate(config, 'history');
    const maxIdx = head?.maxIdx ?? -1;
    const known = checked.filter((r) => r.idx <= maxIdx);
    const stored = await getRecords(deps, subject.tenant, subject.deviceId, known.map((r) => r.idx));
    known.forEach((r, i) => {
      if (stored[i]?.hash !== r.hash) {
        throw new DomainError('conflict', `Record ${r.idx} of this device holds another blob; history is append-only`, { code: 'history-conflict', extra: { idx: r.idx } });
      }
    });
    const fresh = checked.filter((r) => r.idx > maxIdx);
    fresh.forEach((r, i) => {
      const expectedIdx = i === 0 ? maxIdx + 1 : fresh[i - 1].idx + 1;
      if (r.idx !== expectedIdx) throw new DomainError('conflict', `Record ${r.idx} leaves a gap: this device's next idx is ${expectedIdx}`, { code: 'history-gap', extra: { expectedIdx } });
    });
    let state: Stored<HistoryHeadItem> | undefined = head;
    let transactions = 0;
    for (let i = 0; i < fresh.length; ) {
      let bytes = 0;
      let n = 0;
      while (i + n < fresh.length && n < RECORDS_PER_TX && (n === 0 || bytes + fresh[i + n].bytes <= BYTES_PER_TX)) bytes += fresh[i + n++].bytes;
      const chunk = fresh.slice(i, i + n);
      i += n;
      const ms = deps.now();
      const at = new Date(ms).toISOString();
      const tx = guard(deps.repo.tx(subject.tenant));
      for (const r of chunk) tx.create(HistoryRecordEntity, historyRecordSk(subject.deviceId, r.idx), { blob: r.blob, hash: r.hash, bytes: r.bytes, createdAt: at });
      const next: HistoryHeadItem = { maxIdx: chunk.at(-1)!.idx, records: (state?.records ?? 0) + n, bytes: (state?.bytes ?? 0) + bytes, updatedAt: at };
      if (state) tx.put(HistoryHeadEntity, headSk, next, { expectedVersion: state.version });
      else tx.create(HistoryHeadEntity, headSk, next);
      if (i === fresh.length) addEvent(tx, ms, subject, 'data_updated', { type: 'history', maxIdx: next.maxIdx });
      addUsage(tx, ms, subject, 'history', { items: n, bytes }, deps.limits.syncTotalBytes);
      await commitUsage(deps, subject.tenant, tx, bytes);
      transactions++;
      state = { ...next, sk: headSk, version: (state?.version ?? 0) + 1 };
    }
    return { maxIdx: state?.maxIdx ?? maxIdx, appended: fresh.length, transactions };
  });
}

export async function historyStatus(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant): Promise<Record<string, number>> {
  const heads = await queryAll(deps, tenant, HistoryHeadEntity, 'SYNCHEAD#');
  return Object.fromEntries(heads.map((h) => [h.sk.slice('SYNCHEAD#'.length), h.maxIdx]));
}

/** A page of a device's records from `fromIdx`: at most `limit` records and about `maxBytes` of blobs (at least one record). */
export async function readHistory(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant, deviceId: string, fromIdx: number, opts: { limit?: number; maxBytes?: number } = {}) {
  checkDeviceId(deviceId);
  const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 5000);
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  if (!Number.isSafeInteger(fromIdx) || fromIdx < 0) throw new DomainError('invalid', 'fromIdx is an integer ≥ 0', { fields: [{ in: 'query', field: 'fromIdx', message: 'must be an integer ≥ 0' }] });
  const head = await deps.repo.get(tenant, HistoryHeadEntity, historyHeadSk(deviceId));
  const last = Math.min(head?.maxIdx ?? -1, fromIdx + limit - 1);
  const records: { idx: number; blob: string }[] = [];
  let bytes = 0;
  // Records are contiguous, so their keys are known: batches of 100 keys, no scan.
  for (let idx = fromIdx; idx <= last && bytes < maxBytes; idx += READ_BATCH) {
    const idxs = Array.from({ length: Math.min(READ_BATCH, last - idx + 1) }, (_, k) => idx + k);
    const got = await getRecords(deps, tenant, deviceId, idxs);
    for (const [k, r] of got.entries()) {
      if (!r || (records.length > 0 && bytes + r.bytes > maxBytes)) break;
      records.push({ idx: idxs[k], blob: r.blob });
      bytes += r.bytes;
    }
    if (records.length < idxs[idxs.length - 1] - fromIdx + 1) break;
  }
  const nextIdx = fromIdx + records.length;
  return { records, ...(head && nextIdx <= head.maxIdx ? { nextIdx } : {}) };
}

/**
 * Clears every device's log. Per device the head goes first (at the version read, so an
 * append meanwhile makes this read again), then its records in ascending idx: a device
 * appending during the clear starts again at idx 0 and its creates conflict (and retry)
 * until the old record at that idx is gone, so no log is ever left with a hole.
 */
export async function clearHistory(deps: SyncDeps, subject: SyncSubject, ctx: RequestContext): Promise<{ deleted: number }> {
  checkSubject(subject);
  let deleted = 0;
  for (const first of await queryAll(deps, subject.tenant, HistoryHeadEntity, 'SYNCHEAD#')) {
    const deviceId = first.sk.slice('SYNCHEAD#'.length);
    const records = await retryWrite(async () => {
      const head = await deps.repo.get(subject.tenant, HistoryHeadEntity, first.sk);
      if (!head) return undefined;
      const listed = await queryAll(deps, subject.tenant, HistoryRecordEntity, `SYNCHIST#${deviceId}#`);
      await deps.repo.tx(subject.tenant).delete(HistoryHeadEntity, head.sk, { expectedVersion: head.version }).commit();
      return listed;
    });
    if (records) deleted += await deleteListed(deps, subject, 'history', HistoryRecordEntity, records);
  }
  await addEvent(deps.repo.tx(subject.tenant), deps.now(), subject, 'data_cleared', { type: 'history' }).commit();
  await auditSync(deps, subject, ctx, 'sync.data.cleared', { type: 'history', count: deleted });
  return { deleted };
}
