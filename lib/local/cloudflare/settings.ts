/**
 * Zone settings: the subset the product edits, with Cloudflare's allowed values. Not `brotli`:
 * Cloudflare retired it on 2024-06-14 (API v4 deprecations), so the sandbox answers it as unknown.
 */
import { CfError, errors, ok, type Envelope } from './envelope';
import type { ZoneState } from './types';

type Validator = (value: unknown) => boolean;
const oneOf = (...allowed: unknown[]): Validator => (v) => allowed.includes(v);
const onOff = oneOf('on', 'off');
const intIn = (...allowed: number[]): Validator => (v) => typeof v === 'number' && allowed.includes(v);

interface SettingDef {
  default: unknown;
  valid: Validator;
  /** Lowest plan that may change it (all may read). */
  minPlan?: 'pro' | 'business' | 'enterprise';
}

export const SETTINGS: Record<string, SettingDef> = {
  ssl: { default: 'full', valid: oneOf('off', 'flexible', 'full', 'strict') },
  min_tls_version: { default: '1.0', valid: oneOf('1.0', '1.1', '1.2', '1.3') },
  tls_1_3: { default: 'on', valid: oneOf('on', 'off', 'zrt') },
  security_level: {
    default: 'medium',
    valid: oneOf('off', 'essentially_off', 'low', 'medium', 'high', 'under_attack'),
  },
  always_use_https: { default: 'off', valid: onOff },
  automatic_https_rewrites: { default: 'on', valid: onOff },
  opportunistic_encryption: { default: 'on', valid: onOff },
  always_online: { default: 'off', valid: onOff },
  development_mode: { default: 'off', valid: onOff },
  ipv6: { default: 'on', valid: onOff },
  http3: { default: 'on', valid: onOff },
  '0rtt': { default: 'off', valid: onOff },
  websockets: { default: 'on', valid: onOff },
  email_obfuscation: { default: 'on', valid: onOff },
  hotlink_protection: { default: 'off', valid: onOff },
  rocket_loader: { default: 'off', valid: onOff },
  browser_check: { default: 'on', valid: onOff },
  cache_level: { default: 'aggressive', valid: oneOf('aggressive', 'basic', 'simplified') },
  browser_cache_ttl: {
    default: 14400,
    valid: intIn(0, 30, 60, 120, 300, 1200, 1800, 3600, 7200, 10800, 14400, 18000, 28800, 43200, 57600, 72000,
      86400, 172800, 259200, 345600, 432000, 691200, 1382400, 2073600, 2678400, 5356800, 16070400, 31536000),
  },
  challenge_ttl: {
    default: 1800,
    valid: intIn(300, 900, 1800, 2700, 3600, 7200, 10800, 14400, 28800, 57600, 86400, 604800, 2592000, 31536000),
  },
  polish: { default: 'off', valid: oneOf('off', 'lossless', 'lossy'), minPlan: 'pro' },
  mirage: { default: 'off', valid: onOff, minPlan: 'pro' },
};

const PLAN_RANK = { free: 0, pro: 1, business: 2, enterprise: 3 } as const;

export function defaultSettings(): ZoneState['settings'] {
  const m: ZoneState['settings'] = new Map();
  for (const [id, def] of Object.entries(SETTINGS)) m.set(id, { value: def.default, modified_on: null });
  return m;
}

function view(zs: ZoneState, id: string) {
  const s = zs.settings.get(id)!;
  const def = SETTINGS[id]!;
  const editable = !def.minPlan || PLAN_RANK[zs.zone.plan.legacy_id] >= PLAN_RANK[def.minPlan];
  const out: Record<string, unknown> = { id, value: s.value, editable, modified_on: s.modified_on };
  if (id === 'development_mode') {
    out.time_remaining = zs.zone.development_mode > 0 ? zs.zone.development_mode : 0;
  }
  return out;
}

export function listSettings(zs: ZoneState): Envelope {
  return ok([...zs.settings.keys()].map((id) => view(zs, id)));
}

export function getSetting(zs: ZoneState, id: string, routePath: string): Envelope {
  if (!SETTINGS[id]) throw errors.noRoute(routePath);
  return ok(view(zs, id));
}

export function patchSetting(zs: ZoneState, id: string, body: unknown, routePath: string, nowIso: string): Envelope {
  const def = SETTINGS[id];
  if (!def) throw errors.noRoute(routePath);
  const value = (body as { value?: unknown } | null)?.value;
  if (value === undefined) {
    throw new CfError(400, [{ code: 1006, message: `Missing value for zone setting ${id}` }]);
  }
  if (def.minPlan && PLAN_RANK[zs.zone.plan.legacy_id] < PLAN_RANK[def.minPlan]) {
    throw new CfError(400, [{ code: 1025, message: `This setting is not available on the ${zs.zone.plan.name} plan` }]);
  }
  if (!def.valid(value)) {
    throw new CfError(400, [{ code: 1007, message: `Invalid value for zone setting ${id}` }]);
  }
  zs.settings.set(id, { value, modified_on: nowIso });
  if (id === 'development_mode') zs.zone.development_mode = value === 'on' ? 10800 : 0;
  return ok(view(zs, id));
}
