/**
 * Issue 16's sync bench, as ratios measured in one run through the local gateway:
 *  - device A (the reference client, in-process) appends 10,000 history records (push: the
 *    contract's batches of up to 5,000);
 *  - a fresh device B pulls them all with the reference client (GET /sync/history, then pages
 *    of up to 5,000 records), decrypting each;
 *  - the naive baseline on another fresh device: one request per record
 *    (`GET /sync/history/{deviceId}?fromIdx=i&limit=1`), decrypting each.
 * Prints time and requests of each, and the ratios.
 *
 *   npm run bench -- sync            (BENCH_SYNC_RECORDS to change the 10,000)
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { historyRecordId, openRecord } from '../../clients/sync/crypto';
import { pullHistory, pushHistory } from '../../clients/sync/history';
import { setTier } from '../../functions/identity/accounts';
import { identityDeps } from '../integration/data-fixtures';
import { signUpWithToken } from '../support/http';
import { inProcessDevice } from '../support/sync-client';

const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 10_000);
const PASSPHRASE = 'bench passphrase: correct horse battery staple';

const record = (i: number) => ({
  command: `git commit -m "change ${i}" && npm test -- --filter unit-${i % 97}`,
  cwd: `/home/dev/projects/repo-${i % 13}`,
  exit: i % 17 === 0 ? 1 : 0,
  durationMs: 100 + (i % 5000),
  at: new Date(Date.UTC(2026, 10, 1) + i * 7_000).toISOString(),
});

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t = performance.now();
  const result = await fn();
  return { ms: performance.now() - t, result };
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'sync-bench-'));
  try {
    const user = await signUpWithToken();
    await setTier(identityDeps(), user.email, 'pro'); // room for the records in the user's sync allowance
    const a = await inProcessDevice(root, 'bench-a', user.token, PASSPHRASE);
    mkdirSync(join(a.profile.dataDir, 'history'), { recursive: true });
    writeFileSync(join(a.profile.dataDir, 'history', 'local.jsonl'), Array.from({ length: RECORDS }, (_, i) => `${JSON.stringify(record(i))}\n`).join(''));
    const before = a.api.requests;
    const push = await timed(() => pushHistory(a));
    if (push.result.appended !== RECORDS) throw new Error(`pushed ${push.result.appended} of ${RECORDS}`);
    console.log(`push ${RECORDS} records from device A: ${push.ms.toFixed(0)} ms, ${a.api.requests - before} requests`);

    const b = await inProcessDevice(root, 'bench-b', user.token, PASSPHRASE);
    const startB = b.api.requests;
    const pull = await timed(() => pullHistory(b));
    const pulled = b.profile.historyLog(a.state.deviceId);
    if (pull.result.downloaded[a.state.deviceId] !== RECORDS || JSON.stringify(pulled[RECORDS - 1]) !== JSON.stringify(record(RECORDS - 1))) throw new Error('the fresh device did not get every record');
    const clientRequests = b.api.requests - startB;

    const c = await inProcessDevice(root, 'bench-naive', user.token, PASSPHRASE);
    const key = c.masterKey();
    const startC = c.api.requests;
    const naive = await timed(async () => {
      const out: unknown[] = [];
      for (let i = 0; i < RECORDS; i++) {
        const page = await c.api.readHistory(a.state.deviceId, i, 1);
        out.push(openRecord(key, 'history', historyRecordId(a.state.deviceId, i), page.records[0].blob));
      }
      return out;
    });
    if (naive.result.length !== RECORDS) throw new Error('naive baseline incomplete');
    const naiveRequests = c.api.requests - startC;

    const perRecord = (ms: number) => ((ms * 1000) / RECORDS).toFixed(0);
    console.log(`fresh device B, reference client: ${pull.ms.toFixed(0)} ms (${perRecord(pull.ms)} µs/record), ${clientRequests} requests`);
    console.log(`naive, one request per record:    ${naive.ms.toFixed(0)} ms (${perRecord(naive.ms)} µs/record), ${naiveRequests} requests`);
    console.log(`ratios (naive / client): time ${(naive.ms / pull.ms).toFixed(1)}×, requests ${(naiveRequests / clientRequests).toFixed(0)}×`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
