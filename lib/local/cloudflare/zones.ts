/** Zones: list with Cloudflare's filters and operators, get, create, edit (paused), delete. */
import { CfError, errors, ok, paginate, type Envelope } from './envelope';
import { parsePaging } from './dns';
import type { SandboxState } from './state';
import type { Token, Zone, ZoneState } from './types';

type Op = (value: string, wanted: string) => boolean;
const OPS: Record<string, Op> = {
  equal: (v, w) => v.toLowerCase() === w.toLowerCase(),
  not_equal: (v, w) => v.toLowerCase() !== w.toLowerCase(),
  starts_with: (v, w) => v.toLowerCase().startsWith(w.toLowerCase()),
  ends_with: (v, w) => v.toLowerCase().endsWith(w.toLowerCase()),
  contains: (v, w) => v.toLowerCase().includes(w.toLowerCase()),
  starts_with_case_sensitive: (v, w) => v.startsWith(w),
  ends_with_case_sensitive: (v, w) => v.endsWith(w),
  contains_case_sensitive: (v, w) => v.includes(w),
};

/** `contains:acme` → contains op; a bare value means `equal`. */
function opFilter(raw: string, get: (z: Zone) => string): (z: Zone) => boolean {
  const i = raw.indexOf(':');
  const op = i > 0 ? OPS[raw.slice(0, i)] : undefined;
  const fn = op ?? OPS.equal!;
  const wanted = op ? raw.slice(i + 1) : raw;
  return (z) => fn(get(z), wanted);
}

const ORDER_KEYS: Record<string, (z: Zone) => string> = {
  name: (z) => z.name,
  status: (z) => z.status,
  'account.id': (z) => z.account.id,
  'account.name': (z) => z.account.name,
  'plan.id': (z) => z.plan.id,
};

export function listZones(state: SandboxState, token: Token, q: URLSearchParams): Envelope {
  const match = q.get('match') ?? 'all';
  if (match !== 'all' && match !== 'any') throw errors.invalidParam(1004, 'match must be one of any, all');
  const preds: Array<(z: Zone) => boolean> = [];
  const name = q.get('name');
  if (name !== null) preds.push(opFilter(name, (z) => z.name));
  const status = q.get('status');
  if (status !== null) preds.push((z) => z.status === status);
  const accId = q.get('account.id');
  if (accId !== null) preds.push((z) => z.account.id === accId);
  const accName = q.get('account.name');
  if (accName !== null) preds.push(opFilter(accName, (z) => z.account.name));
  const types = q.getAll('type').flatMap((t) => t.split(',')).filter(Boolean);

  let zones = state.visibleZones(token).map((zs) => zs.zone);
  zones = zones.filter((z) => (types.length ? types.includes(z.type) : z.type !== 'internal'));
  if (preds.length) zones = zones.filter(match === 'all' ? (z) => preds.every((p) => p(z)) : (z) => preds.some((p) => p(z)));

  const order = q.get('order') ?? 'name';
  const key = ORDER_KEYS[order];
  if (!key) throw errors.invalidParam(1004, `order must be one of ${Object.keys(ORDER_KEYS).join(', ')}`);
  const direction = q.get('direction') ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw errors.invalidParam(1004, 'direction must be asc or desc');
  zones.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return direction === 'asc' ? c : -c;
  });
  const { page, perPage } = parsePaging(q, 20, 5, 50);
  return paginate(zones, page, perPage);
}

const DOMAIN_RE = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function createZone(state: SandboxState, token: Token, body: unknown): Envelope {
  const b = (body ?? {}) as { name?: unknown; account?: { id?: unknown }; type?: unknown };
  if (typeof b.name !== 'string') throw new CfError(400, [{ code: 1001, message: 'Invalid or missing zone name' }]);
  const name = b.name.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_RE.test(name)) throw new CfError(400, [{ code: 1099, message: `${name} is not a registered domain` }]);
  const accountId = b.account?.id;
  if (typeof accountId !== 'string') throw new CfError(400, [{ code: 1001, message: 'account.id is required' }]);
  if (!state.accounts.has(accountId) || !state.tokenSeesAccount(token, accountId)) throw errors.authentication();
  const type = b.type ?? 'full';
  if (!['full', 'partial', 'secondary'].includes(type as string)) {
    throw new CfError(400, [{ code: 1001, message: 'type must be one of full, partial, secondary' }]);
  }
  for (const zs of state.zones.values()) {
    if (zs.zone.name === name) throw new CfError(400, [{ code: 1061, message: `${name} already exists` }]);
  }
  const zs = state.addZone({ name, accountId, status: 'pending', type: type as Zone['type'] });
  return ok(zs.zone);
}

export function editZone(state: SandboxState, zs: ZoneState, body: unknown): Envelope {
  const b = (body ?? {}) as { paused?: unknown; vanity_name_servers?: unknown };
  if (b.paused !== undefined) {
    if (typeof b.paused !== 'boolean') throw new CfError(400, [{ code: 1001, message: 'paused must be a boolean' }]);
    zs.zone.paused = b.paused;
  }
  if (b.vanity_name_servers !== undefined) {
    if (!Array.isArray(b.vanity_name_servers)) throw new CfError(400, [{ code: 1001, message: 'vanity_name_servers must be an array' }]);
    zs.zone.vanity_name_servers = b.vanity_name_servers.map(String);
  }
  zs.zone.modified_on = state.nowIso();
  state.changed();
  return ok(zs.zone);
}

export function deleteZone(state: SandboxState, zs: ZoneState): Envelope {
  state.deleteZone(zs.zone.id);
  return ok({ id: zs.zone.id });
}
