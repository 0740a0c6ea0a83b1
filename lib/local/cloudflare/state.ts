/** In-memory Cloudflare state (accounts, tokens, zones, records, settings), optionally persisted to JSON. */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { errors } from './envelope';
import { HEX32, IdFactory } from './ids';
import { defaultSettings } from './settings';
import type { Account, DnsRecord, Plan, PlanName, Token, Zone, ZoneState } from './types';

export type Clock = () => number;

const PLANS: Record<PlanName, Omit<Plan, 'is_subscribed' | 'can_subscribe'>> = {
  free: { id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee', name: 'Free Website', price: 0, currency: 'USD', frequency: '', legacy_id: 'free', legacy_discount: false, externally_managed: false },
  pro: { id: 'a577b510288e82b26486fa0a0f0d3e0a', name: 'Pro Website', price: 20, currency: 'USD', frequency: 'monthly', legacy_id: 'pro', legacy_discount: false, externally_managed: false },
  business: { id: 'bf7c5b9c6c5b4a3e8e0f1d2c3b4a5968', name: 'Business Website', price: 200, currency: 'USD', frequency: 'monthly', legacy_id: 'business', legacy_discount: false, externally_managed: false },
  enterprise: { id: 'e0f1d2c3b4a59687a6b5c4d3e2f10123', name: 'Enterprise Website', price: 5000, currency: 'USD', frequency: 'monthly', legacy_id: 'enterprise', legacy_discount: false, externally_managed: false },
};

export function planObject(name: PlanName): Plan {
  return { ...PLANS[name], is_subscribed: name !== 'free', can_subscribe: name !== 'free' };
}

const NS_NAMES = ['ada', 'bob', 'carl', 'dana', 'emma', 'fred', 'gina', 'hugo', 'ivy', 'jack', 'kay', 'liam'];

export interface NewZone {
  name: string;
  accountId: string;
  plan?: PlanName;
  status?: Zone['status'];
  type?: Zone['type'];
  id?: string;
}

export interface NewToken {
  value?: string;
  name?: string;
  accounts?: string[] | '*';
  zones?: string[];
  write?: boolean;
  status?: Token['status'];
  expires_on?: string;
  not_before?: string;
  user?: string;
  userDetails?: boolean;
  id?: string;
  owner?: Token['owner'];
  condition?: Token['condition'];
}

/** The whole state as JSON (persistence, and the admin API's `GET|PUT /__sandbox/snapshot`). */
export interface SandboxSnapshot {
  version: 1;
  accounts: Account[];
  tokens: Token[];
  zones: Array<{
    zone: Zone;
    records: DnsRecord[];
    settings: Array<[string, { value: unknown; modified_on: string | null }]>;
  }>;
}

export class SandboxState {
  readonly accounts = new Map<string, Account>();
  /** By secret value. */
  readonly tokens = new Map<string, Token>();
  readonly zones = new Map<string, ZoneState>();
  ids: IdFactory;
  /** Called after every mutation (persistence hook). */
  onChange: () => void = () => {};

  constructor(
    readonly clock: Clock,
    private readonly idSeed = 1,
  ) {
    this.ids = new IdFactory(idSeed);
  }

  nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  changed(): void {
    this.onChange();
  }

  reset(): void {
    this.accounts.clear();
    this.tokens.clear();
    this.zones.clear();
    this.ids = new IdFactory(this.idSeed);
    this.changed();
  }

  addAccount(name: string, id?: string): Account {
    const acc: Account = {
      id: id ?? this.ids.hex32(),
      name,
      type: 'standard',
      created_on: this.nowIso(),
      settings: { enforce_twofactor: false },
    };
    this.accounts.set(acc.id, acc);
    this.changed();
    return acc;
  }

  addToken(t: NewToken = {}): Token {
    const now = this.nowIso();
    const token: Token = {
      id: t.id ?? this.ids.hex32(),
      value: t.value ?? this.ids.tokenSecret(),
      name: t.name ?? 'sandbox token',
      status: t.status ?? 'active',
      accounts: t.accounts ?? '*',
      zones: t.zones,
      write: t.write ?? true,
      issued_on: now,
      modified_on: now,
      expires_on: t.expires_on,
      not_before: t.not_before,
      user: t.user,
      ...(t.userDetails ? { userDetails: true } : {}),
      ...(t.owner ? { owner: t.owner } : {}),
      ...(t.condition ? { condition: t.condition } : {}),
    };
    this.tokens.set(token.value, token);
    this.changed();
    return token;
  }

  /** Remove a token (by value or id): later calls with it answer 9109. */
  revokeToken(valueOrId: string): boolean {
    for (const [value, t] of this.tokens) {
      if (value === valueOrId || t.id === valueOrId) {
        this.tokens.delete(value);
        this.changed();
        return true;
      }
    }
    return false;
  }

  addZone(z: NewZone): ZoneState {
    const account = this.accounts.get(z.accountId);
    if (!account) throw new Error(`unknown account ${z.accountId}`);
    const now = this.nowIso();
    const id = z.id ?? this.ids.hex32();
    const n = parseInt(id.slice(0, 8), 16);
    const status = z.status ?? 'active';
    const zone: Zone = {
      id,
      name: z.name.toLowerCase(),
      status,
      paused: false,
      type: z.type ?? 'full',
      development_mode: 0,
      name_servers: [
        `${NS_NAMES[n % NS_NAMES.length]}.ns.cloudflare.com`,
        `${NS_NAMES[(n >>> 4) % NS_NAMES.length === n % NS_NAMES.length ? (n + 1) % NS_NAMES.length : (n >>> 4) % NS_NAMES.length]}.ns.cloudflare.com`,
      ],
      original_name_servers: ['ns1.registrar-servers.example', 'ns2.registrar-servers.example'],
      original_registrar: null,
      original_dnshost: null,
      created_on: now,
      modified_on: now,
      activated_on: status === 'active' ? now : null,
      meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false, foundation_dns: false },
      owner: { id: null, type: 'user', email: null },
      account: { id: account.id, name: account.name },
      tenant: { id: null, name: null },
      tenant_unit: { id: null },
      permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read', '#zone_settings:edit', '#zone_settings:read', '#cache_purge:edit'],
      plan: planObject(z.plan ?? 'free'),
      cname_suffix: 'cdn.cloudflare.net',
      verification_key: '',
    };
    const zs: ZoneState = { zone, records: new Map(), settings: defaultSettings(), imports: [], purges: [] };
    this.zones.set(id, zs);
    this.changed();
    return zs;
  }

  deleteZone(id: string): void {
    this.zones.delete(id);
    this.changed();
  }

  tokenSeesAccount(token: Token, accountId: string): boolean {
    return token.accounts === '*' || token.accounts.includes(accountId);
  }

  tokenSeesZone(token: Token, zs: ZoneState): boolean {
    if (!this.tokenSeesAccount(token, zs.zone.account.id)) return false;
    return !token.zones || token.zones.includes(zs.zone.id);
  }

  visibleZones(token: Token): ZoneState[] {
    return [...this.zones.values()].filter((zs) => this.tokenSeesZone(token, zs));
  }

  /**
   * The zone a request addresses. Malformed id → 404 7003; well-formed but unknown or outside
   * the token's scope → 403 10000 (the API does not say which).
   */
  zoneFor(token: Token, zoneId: string, routePath: string): ZoneState {
    if (!HEX32.test(zoneId)) throw errors.noRoute(routePath);
    const zs = this.zones.get(zoneId);
    if (!zs || !this.tokenSeesZone(token, zs)) throw errors.authentication();
    return zs;
  }

  // ---- persistence ----

  snapshot(): SandboxSnapshot {
    return {
      version: 1,
      accounts: [...this.accounts.values()],
      tokens: [...this.tokens.values()],
      zones: [...this.zones.values()].map((zs) => ({
        zone: zs.zone,
        records: [...zs.records.values()],
        settings: [...zs.settings.entries()],
      })),
    };
  }

  restore(s: SandboxSnapshot): void {
    this.accounts.clear();
    this.tokens.clear();
    this.zones.clear();
    for (const a of s.accounts) this.accounts.set(a.id, a);
    for (const t of s.tokens) this.tokens.set(t.value, t);
    for (const z of s.zones) {
      const settings = defaultSettings();
      // Settings Cloudflare retired since the snapshot was written (e.g. brotli) are dropped.
      for (const [k, v] of z.settings) if (settings.has(k)) settings.set(k, v);
      this.zones.set(z.zone.id, {
        zone: z.zone,
        records: new Map(z.records.map((r) => [r.id, r])),
        settings,
        imports: [],
        purges: [],
      });
    }
    // Fresh ids must not collide with restored ones: reseed from the clock.
    this.ids = new IdFactory((this.clock() ^ this.idSeed) >>> 0);
  }

  /** Persist every change to `path` (write to a temp file, then rename). Loads it first if present. */
  persistTo(path: string): void {
    if (existsSync(path)) this.restore(JSON.parse(readFileSync(path, 'utf8')) as SandboxSnapshot);
    let pending = false;
    this.onChange = () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        const tmp = `${path}.tmp`;
        writeFileSync(tmp, JSON.stringify(this.snapshot()));
        renameSync(tmp, path);
      });
    };
  }
}
