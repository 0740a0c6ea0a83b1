/**
 * What planning, the drift check and revert read from Cloudflare: the
 * selected zones and each zone's current state, with read retries; and the
 * problem a failed read becomes for the caller.
 */
import { CfCallError, type CfApi, type CfZone } from '../cloudflare/bulk-client';
import { DomainError, invalid } from '../errors';
import type { ZoneState } from './planner';
import { stateNeeded } from './planner';
import type { JobKind } from './model';

/** A Cloudflare failure while planning or checking drift, as the problem the caller gets. */
export function upstream(e: unknown): DomainError {
  if (e instanceof CfCallError) {
    if (e.kind === 'rate-limited') return new DomainError('rate-limited', 'Cloudflare rate limit reached; try again shortly', { retryAfterSeconds: e.detail.retryAfterSeconds ?? 30 });
    if (e.kind === 'auth') return new DomainError('upstream-failed', `Cloudflare refused the token: ${e.message}`, { code: 'cloudflare-auth' });
    return new DomainError('upstream-failed', `Cloudflare call failed: ${e.message}`, { code: 'cloudflare-failed' });
  }
  return e as DomainError;
}

/** The zones of a request: the listed ids (all must be visible) or every zone whose name contains the filter; 1..1000. */
export async function selectZones(cf: CfApi, input: { zones?: string[]; zoneFilter?: { nameContains: string } }): Promise<CfZone[]> {
  const zones = await cf.listZones(input.zones ? { ids: input.zones } : { nameContains: input.zoneFilter!.nameContains });
  if (input.zones) {
    const found = new Set(zones.map((z) => z.id));
    const missing = input.zones.filter((z) => !found.has(z));
    if (missing.length) {
      throw invalid('Some zones are not visible to this Cloudflare account', missing.slice(0, 20).map((z) => ({ in: 'body' as const, field: 'zones', message: `zone ${z} not found` })));
    }
  }
  if (zones.length === 0) throw invalid('No zone matches the selection', [{ in: 'body', field: 'zoneFilter', message: 'matches no zone' }]);
  if (zones.length > 1000) throw invalid('The selection matches more than 1000 zones', [{ in: 'body', field: 'zoneFilter', message: 'too broad' }]);
  return zones;
}

/** dns-sync: the zones a file names, exactly and in its order; a name the account does not have is the field `params.zones.<name>`. */
export async function selectZonesByName(cf: CfApi, names: readonly string[]): Promise<CfZone[]> {
  const zones = await cf.listZones({ names });
  const found = new Set(zones.map((z) => z.name));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) {
    throw invalid(`${missing.length} zone(s) of the file are not in this Cloudflare account`, missing.slice(0, 20).map((n) => ({ in: 'body' as const, field: `params.zones.${n}`, message: `zone ${n} not found in the account` })));
  }
  return zones;
}

/** The state a kind plans from: the zone's records, its settings, or nothing. */
export async function readZoneState(cf: CfApi, kind: JobKind, zoneId: string): Promise<ZoneState> {
  const need = stateNeeded(kind);
  if (need === 'records') return { records: await cf.listRecords(zoneId) };
  if (need === 'settings') return { settings: await cf.getSettings(zoneId) };
  return {};
}
