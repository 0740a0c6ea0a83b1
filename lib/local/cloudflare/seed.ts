/** Deterministic seeding: N zones × M records with per-zone plans, plus a small realistic demo. */
import { buildRecord } from './dns';
import type { NewToken, SandboxState } from './state';
import type { Account, PlanName, Token, ZoneState } from './types';

export interface SeedOptions {
  /** Accounts to create (names, optional fixed ids). @default one account "Sandbox Account" */
  accounts?: Array<{ name: string; id?: string }>;
  /** Tokens to create. @default one token seeing every account */
  tokens?: NewToken[];
  /** Number of zones (spread round-robin over the accounts). @default 0 */
  zones?: number;
  /** Records per zone. @default 0 */
  recordsPerZone?: number;
  /** Plan for every zone, one per zone by index, or a function of the index. @default 'free' */
  plan?: PlanName | PlanName[] | ((index: number) => PlanName);
  /** Zone names are `${prefix}-001.${tld}`. @default 'zone', 'example' */
  prefix?: string;
  tld?: string;
  /** Wipe state first. @default true */
  reset?: boolean;
}

export interface SeedResult {
  accounts: Account[];
  tokens: Token[];
  zones: ZoneState[];
}

function planFor(opt: SeedOptions['plan'], i: number): PlanName {
  if (!opt) return 'free';
  if (typeof opt === 'function') return opt(i);
  if (Array.isArray(opt)) return opt[i % opt.length] ?? 'free';
  return opt;
}

/** The i-th generated record of a zone (deterministic). */
function generated(zoneName: string, i: number): Record<string, unknown> {
  const fixed: Array<Record<string, unknown>> = [
    { type: 'A', name: zoneName, content: '192.0.2.1', ttl: 1, proxied: true },
    { type: 'CNAME', name: `www.${zoneName}`, content: zoneName, ttl: 1, proxied: true },
    { type: 'MX', name: zoneName, content: `mail.${zoneName}`, priority: 10, ttl: 3600 },
    { type: 'TXT', name: zoneName, content: 'v=spf1 include:_spf.example.net ~all', ttl: 3600 },
    { type: 'A', name: `mail.${zoneName}`, content: '192.0.2.25', ttl: 3600 },
  ];
  if (i < fixed.length) return fixed[i]!;
  const n = i - fixed.length + 1;
  const host = `host-${String(n).padStart(4, '0')}.${zoneName}`;
  switch (n % 4) {
    case 0:
      return { type: 'AAAA', name: host, content: `2001:db8::${n.toString(16)}`, ttl: 300, proxied: false };
    case 1:
    case 2:
      return { type: 'A', name: host, content: `198.51.${(n >> 8) & 255}.${n & 255}`, ttl: n % 8 === 1 ? 1 : 300, proxied: n % 8 === 1 };
    default:
      return { type: 'TXT', name: host, content: `sandbox-record=${n}`, ttl: 300 };
  }
}

export function addRecords(state: SandboxState, zs: ZoneState, bodies: Array<Record<string, unknown>>): void {
  for (const body of bodies) {
    const rec = buildRecord(state, zs, body, {});
    zs.records.set(rec.id, rec);
  }
}

export function seedState(state: SandboxState, opts: SeedOptions = {}): SeedResult {
  if (opts.reset ?? true) state.reset();
  const accounts = (opts.accounts ?? [{ name: 'Sandbox Account' }]).map((a) => state.addAccount(a.name, a.id));
  const tokens = (opts.tokens ?? [{ name: 'sandbox token' }]).map((t) => state.addToken(t));
  const zones: ZoneState[] = [];
  const prefix = opts.prefix ?? 'zone';
  const tld = opts.tld ?? 'example';
  const count = opts.zones ?? 0;
  const width = Math.max(3, String(count).length);
  for (let i = 0; i < count; i++) {
    const account = accounts[i % accounts.length]!;
    const zs = state.addZone({
      name: `${prefix}-${String(i + 1).padStart(width, '0')}.${tld}`,
      accountId: account.id,
      plan: planFor(opts.plan, i),
    });
    const m = opts.recordsPerZone ?? 0;
    addRecords(state, zs, Array.from({ length: m }, (_, k) => generated(zs.zone.name, k)));
    zones.push(zs);
  }
  state.changed();
  return { accounts, tokens, zones };
}

/** A few realistic zones for the product's offline "sandbox account". */
export function seedDemo(state: SandboxState, opts: { tokens?: NewToken[]; reset?: boolean } = {}): SeedResult {
  const res = seedState(state, {
    accounts: [{ name: 'Demo Company' }],
    tokens: opts.tokens ?? [{ name: 'demo token' }],
    zones: 0,
    reset: opts.reset,
  });
  const acc = res.accounts[0]!;
  const defs: Array<{ name: string; plan: PlanName; records: Array<Record<string, unknown>> }> = [
    {
      name: 'acme-shop.example',
      plan: 'pro',
      records: [
        { type: 'A', name: '@', content: '203.0.113.10', proxied: true, ttl: 1 },
        { type: 'AAAA', name: '@', content: '2001:db8:10::1', proxied: true, ttl: 1 },
        { type: 'CNAME', name: 'www', content: 'acme-shop.example', proxied: true, ttl: 1 },
        { type: 'CNAME', name: 'shop', content: 'shops.myshopify.example', proxied: false, ttl: 3600 },
        { type: 'A', name: 'api', content: '203.0.113.20', proxied: true, ttl: 1, comment: 'public API' },
        { type: 'A', name: 'staging', content: '198.51.100.7', proxied: false, ttl: 300, tags: ['env:staging'] },
        { type: 'MX', name: '@', content: 'mx1.mail.example', priority: 10, ttl: 3600 },
        { type: 'MX', name: '@', content: 'mx2.mail.example', priority: 20, ttl: 3600 },
        { type: 'TXT', name: '@', content: 'v=spf1 include:_spf.mail.example -all', ttl: 3600 },
        { type: 'TXT', name: '_dmarc', content: 'v=DMARC1; p=quarantine; rua=mailto:dmarc@acme-shop.example', ttl: 3600 },
        { type: 'CAA', name: '@', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' }, ttl: 3600 },
        { type: 'SRV', name: '_sip._tcp', data: { priority: 10, weight: 5, port: 5060, target: 'sip.acme-shop.example' }, ttl: 3600 },
      ],
    },
    {
      name: 'acme-blog.example',
      plan: 'free',
      records: [
        { type: 'A', name: '@', content: '203.0.113.30', proxied: true, ttl: 1 },
        { type: 'CNAME', name: 'www', content: 'acme-blog.example', proxied: true, ttl: 1 },
        { type: 'TXT', name: '@', content: 'google-site-verification=sandbox123', ttl: 1 },
      ],
    },
    {
      name: 'acme-internal.example',
      plan: 'business',
      records: [
        { type: 'A', name: 'vpn', content: '198.51.100.40', proxied: false, ttl: 300 },
        { type: 'A', name: 'git', content: '198.51.100.41', proxied: false, ttl: 300 },
        { type: 'NS', name: 'lab', content: 'ns1.lab-dns.example', ttl: 86400 },
        ...Array.from({ length: 20 }, (_, i) => ({
          type: 'A', name: `node-${String(i + 1).padStart(2, '0')}`, content: `10.20.0.${i + 1}`, proxied: false, ttl: 120,
        })),
      ],
    },
  ];
  for (const d of defs) {
    const zs = state.addZone({ name: d.name, accountId: acc.id, plan: d.plan });
    addRecords(state, zs, d.records);
    res.zones.push(zs);
  }
  state.changed();
  return res;
}
