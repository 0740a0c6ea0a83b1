/**
 * After an ambiguous send (5xx, timeout, a claim of a chunk left `applying`):
 * read the zone and decide from live state whether the all-or-nothing change
 * is there, so nothing is applied twice and nothing is lost.
 */
import type { CfApi } from '../cloudflare/bulk-client';
import { identity, sameRecord, type LiveRecord } from '../cloudflare/records';
import type { WorkItem } from './chunk-send';
import { recordImage } from './model';

export type Reconciled = { state: 'applied'; created: Record<string, string> } | { state: 'not-applied' } | { state: 'drifted'; reason: string };

export async function reconcile(cf: CfApi, zoneId: string, work: readonly WorkItem[]): Promise<Reconciled> {
  if (work.every((w) => w.it.action === 'purge')) return { state: 'not-applied' }; // purging again is harmless
  if (work.every((w) => w.it.action === 'setting')) {
    const s = await cf.getSettings(zoneId);
    const after = work.every((w) => JSON.stringify(s[w.it.recordId!]) === JSON.stringify((w.it.after as { value: unknown }).value));
    if (after) return { state: 'applied', created: {} };
    return { state: 'not-applied' }; // PATCHing a setting again is idempotent
  }
  const live = await cf.listRecords(zoneId);
  const byId = new Map(live.map((r) => [r.id, r]));
  const byIdentity = new Map<string, LiveRecord[]>();
  for (const r of live) byIdentity.set(identity(r), [...(byIdentity.get(identity(r)) ?? []), r]);
  let applied = 0;
  let notApplied = 0;
  const created: Record<string, string> = {};
  for (const { idx, it } of work) {
    if (it.action === 'delete') {
      if (byId.has(it.recordId!)) notApplied++;
      else applied++;
    } else if (it.action === 'update') {
      const r = byId.get(it.recordId!);
      if (r && sameRecord(r, recordImage(it.after))) applied++;
      else if (r && sameRecord(r, recordImage(it.before))) notApplied++;
      else return { state: 'drifted', reason: 'record changed or vanished during apply' };
    } else if (it.action === 'create') {
      const hit = byIdentity.get(identity(recordImage(it.after)));
      if (hit?.length) {
        applied++;
        created[String(idx)] = hit[0]!.id;
      } else notApplied++;
    }
  }
  if (notApplied === 0) return { state: 'applied', created };
  if (applied === 0) return { state: 'not-applied' };
  // Patches whose after == before cannot be told apart; anything else mixed means someone else wrote.
  return { state: 'drifted', reason: `zone changed during apply (${applied} of ${applied + notApplied} changes present)` };
}
