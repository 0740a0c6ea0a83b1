/** Shapes stored by the sandbox; they are also the JSON the API answers with. */

export type PlanName = 'free' | 'pro' | 'business' | 'enterprise';

export interface Account {
  id: string;
  name: string;
  type: 'standard' | 'enterprise';
  created_on: string;
  settings: { enforce_twofactor: boolean };
}

export interface Token {
  id: string;
  /** The secret sent as `Authorization: Bearer <value>`. */
  value: string;
  name: string;
  status: 'active' | 'disabled' | 'expired';
  /** Account ids the token may use; `'*'` for every account. */
  accounts: string[] | '*';
  /** If set, only these zone ids (within `accounts`) are visible. */
  zones?: string[];
  /** false: read-only token, writes answer 403 10000. */
  write: boolean;
  issued_on: string;
  modified_on: string;
  expires_on?: string;
  not_before?: string;
  /**
   * The Cloudflare user who owns the token (a user-owned token). Cloudflare counts the rate limit
   * per user (all of a user's tokens share 1,200/5 min): tokens with the same `user` share one
   * budget. Defaults to the token id (a user of its own).
   */
  user?: string;
  /** The "User Details Read" permission: `GET /user` answers the token's user. @default false */
  userDetails?: boolean;
  /**
   * `account`: an account-owned token (its `accounts` is its one owning account). It verifies only
   * at `GET /accounts/{its account}/tokens/verify`; `GET /user/tokens/verify` answers 401 1000.
   * @default 'user'
   */
  owner?: 'user' | 'account';
  /**
   * Client IP address filtering, as in Cloudflare's token `condition.request_ip` (`in` / `not_in`,
   * IPs or CIDRs). A request from elsewhere answers 403 9109 "Cannot use the access token from location: <ip>".
   */
  condition?: { request_ip?: { in?: string[]; not_in?: string[] } };
}

export interface Plan {
  id: string;
  name: string;
  price: number;
  currency: string;
  frequency: string;
  is_subscribed: boolean;
  can_subscribe: boolean;
  legacy_id: PlanName;
  legacy_discount: boolean;
  externally_managed: boolean;
}

export interface Zone {
  id: string;
  name: string;
  status: 'initializing' | 'pending' | 'active' | 'moved';
  paused: boolean;
  type: 'full' | 'partial' | 'secondary' | 'internal';
  development_mode: number;
  name_servers: string[];
  original_name_servers: string[] | null;
  original_registrar: string | null;
  original_dnshost: string | null;
  created_on: string;
  modified_on: string;
  activated_on: string | null;
  meta: {
    step: number;
    custom_certificate_quota: number;
    page_rule_quota: number;
    phishing_detected: boolean;
    dns_only?: boolean;
    cdn_only?: boolean;
    foundation_dns?: boolean;
  };
  owner: { id: string | null; type: string; email?: string | null; name?: string };
  account: { id: string; name: string };
  tenant: { id: string | null; name: string | null };
  tenant_unit: { id: string | null };
  permissions: string[];
  plan: Plan;
  vanity_name_servers?: string[];
  cname_suffix?: string;
  verification_key?: string;
}

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'NS' | 'SRV' | 'CAA' | 'PTR';

export interface DnsRecord {
  id: string;
  name: string;
  type: RecordType;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  settings: Record<string, unknown>;
  meta: Record<string, unknown>;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
  comment_modified_on?: string;
  tags_modified_on?: string;
  priority?: number;
  data?: Record<string, unknown>;
}

export interface SettingValue {
  value: unknown;
  modified_on: string | null;
}

export interface ZoneState {
  zone: Zone;
  records: Map<string, DnsRecord>;
  settings: Map<string, SettingValue>;
  /** Times (ms) of recent imports, for the 3-per-minute import limit. */
  imports: number[];
  purges: Array<{ id: string; at: string; body: unknown }>;
}
