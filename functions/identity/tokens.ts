/**
 * Credentials: `<prefix><userId>.<id>.<secret>` with a 256-bit random secret.
 * The user id and record id route the lookup to one GetItem in the user's
 * partition; only SHA-256(secret) is stored and compared in constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = { session: 'fv_sess_', apiKey: 'fv_key_', reset: 'fv_reset_', magic: 'fv_magic_', verify: 'fv_verify_' } as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

const PART = '[A-Za-z0-9_-]{8,64}';
const SECRET = '[A-Za-z0-9_-]{43}';

export interface ParsedToken {
  readonly kind: TokenKind;
  readonly userId: string;
  readonly id: string;
  readonly secret: string;
}

/** 128-bit random id, base64url (22 chars). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export function mintToken(kind: TokenKind, userId: string, id: string): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${TOKEN_PREFIX[kind]}${userId}.${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseToken(token: string): ParsedToken | undefined {
  for (const [kind, prefix] of Object.entries(TOKEN_PREFIX) as [TokenKind, string][]) {
    if (!token.startsWith(prefix)) continue;
    const m = new RegExp(`^(${PART})\\.(${PART})\\.(${SECRET})$`).exec(token.slice(prefix.length));
    return m ? { kind, userId: m[1]!, id: m[2]!, secret: m[3]! } : undefined;
  }
  return undefined;
}

/**
 * Application credentials carry more ids than a user credential: the workspace and application
 * they belong to (ids are not secrets), so the authenticator reads everything it judges in one
 * BatchGetItem without a lookup item. Clients treat them as opaque strings.
 *   app session:   fv_vs_<workspaceId>.<applicationId>.<userId>.<sessionId>.<secret>
 *   automation:    fv_auto_<workspaceId>.<applicationId>.<credentialId>.<secret>
 *   auth code:     fv_code_<workspaceId>.<applicationId>.<codeId>.<secret>   (hosted login, 60 s, single use)
 *   device code:   fv_dc_<userCode>.<secret>                  (device authorization, RFC 8628; 5 min)
 *   device token:  fv_dev_<userId>.<deviceId>.<secret>        (a linked sync device)
 */
export const APP_TOKEN_PREFIX = { appSession: 'fv_vs_', automation: 'fv_auto_', authCode: 'fv_code_', deviceCode: 'fv_dc_', device: 'fv_dev_' } as const;
export type AppTokenKind = keyof typeof APP_TOKEN_PREFIX;
const APP_TOKEN_IDS: Record<AppTokenKind, number> = { appSession: 4, automation: 3, authCode: 3, deviceCode: 1, device: 2 };

export interface ParsedAppToken {
  readonly kind: AppTokenKind;
  readonly ids: readonly string[];
  readonly secret: string;
}

export function mintAppToken(kind: AppTokenKind, ids: readonly string[]): { token: string; secretHash: string } {
  if (ids.length !== APP_TOKEN_IDS[kind] || ids.some((id) => !new RegExp(`^${PART}$`).test(id))) throw new TypeError(`${kind} token: wrong ids`);
  const secret = randomBytes(32).toString('base64url');
  return { token: `${APP_TOKEN_PREFIX[kind]}${ids.join('.')}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseAppToken(token: string, kind: AppTokenKind): ParsedAppToken | undefined {
  const prefix = APP_TOKEN_PREFIX[kind];
  if (!token.startsWith(prefix)) return undefined;
  const m = new RegExp(`^((?:${PART}\\.){${APP_TOKEN_IDS[kind]}})(${SECRET})$`).exec(token.slice(prefix.length));
  return m ? { kind, ids: m[1]!.slice(0, -1).split('.'), secret: m[2]! } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * CSRF token of a browser session: HMAC of the session secret, so it is
 * recomputable from the cookie (GET /me returns it after a reload) without
 * being stored, and useless without the HttpOnly cookie it belongs to.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('flarevault-csrf-v1').digest('base64url');
}

export function csrfMatches(sessionSecret: string, given: string): boolean {
  const a = Buffer.from(csrfTokenFor(sessionSecret));
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header (one visible run, ≤ 300 characters), if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S{1,300})$/i.exec(authorization.trim())?.[1] : undefined;
}
