/** The ports every identity function takes: no globals, so tests wire real emulators directly. */
import type { Audit } from '../audit/audit';
import type { BlindIndexer } from '../crypto/blind-index';
import type { Tenant } from '../tenancy/tenant';
import type { Repository } from '../data/repository';
import type { TableRef } from '../aws/table';
import type { Mailer } from '../mail/mailer';
import type { PasswordVerifier } from './password-policy';
import { limitsFor, type Tier } from '../platform/tiers';

export interface IdentityConfig {
  /** A session dies this long after sign-in whatever happens. @default 14 days */
  readonly sessionAbsoluteMs: number;
  /** …or after this long without use. @default 3 days */
  readonly sessionIdleMs: number;
  /** Expired sessions are kept this long so they answer 410, not 401. @default 30 days */
  readonly expiredSessionGraceMs: number;
  /** @default 30 minutes */
  readonly resetTokenMs: number;
  /**
   * A reset request answers no sooner than this, known email or not: the known path's
   * work (KMS, store, mail) stays well under it, so timing does not reveal accounts. @default 1 s
   */
  readonly resetRequestMinMs: number;
  /** A mailed sign-in link works this long (magic-link-request.ts). @default 15 minutes */
  readonly magicLinkMs: number;
  /** An email-verification link works this long. @default 24 hours */
  readonly verificationLinkMs: number;
  /** Sensitive changes (registering or removing a passkey) need a session minted this recently. @default 10 minutes */
  readonly recentSignInMs: number;
  /** Dashboard URL, for links in mail; also the WebAuthn relying party (identity/relying-party.ts). */
  readonly publicUrl: string;
}

export const DEFAULT_IDENTITY_CONFIG: Omit<IdentityConfig, 'publicUrl'> = {
  sessionAbsoluteMs: 14 * 24 * 3600_000,
  sessionIdleMs: 3 * 24 * 3600_000,
  expiredSessionGraceMs: 30 * 24 * 3600_000,
  resetTokenMs: 30 * 60_000,
  resetRequestMinMs: 1_000,
  magicLinkMs: 15 * 60_000,
  verificationLinkMs: 24 * 3600_000,
  recentSignInMs: 10 * 60_000,
};

export type AuditSink = Pick<Audit, 'record' | 'list' | 'verify'>;

export interface IdentityDeps {
  readonly repo: Repository;
  readonly table: TableRef;
  readonly blind: Pick<BlindIndexer, 'blindIndex'>;
  readonly audit: AuditSink;
  readonly mailer: Mailer;
  readonly now: () => number;
  readonly config: IdentityConfig;
  /** Checks a password against its stored hash (a port so tests can count the Argon2 work). @default Argon2id verify */
  readonly verifyPassword?: PasswordVerifier;
}

export interface RequestContext {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

/** Audit helper: every security event carries the request's who/where. */
export function auditEvent(
  deps: Pick<IdentityDeps, 'audit'>,
  tenant: Tenant,
  tier: Tier,
  ctx: RequestContext,
  type: string,
  actor: string,
  metadata: Record<string, unknown> = {},
): Promise<unknown> {
  return deps.audit.record(
    tenant,
    { type, actor, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata },
    { retentionDays: limitsFor(tier).auditRetentionDays },
  );
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A mailed link to a dashboard page: the token in the fragment, which never reaches a server log. */
export const mailedLink = (deps: Pick<IdentityDeps, 'config'>, page: string, token: string) =>
  `${deps.config.publicUrl.replace(/\/$/, '')}${page}#token=${encodeURIComponent(token)}`;

/**
 * Runs `work` and answers no sooner than the request floor (`resetRequestMinMs`) after the start:
 * mail cannot be faked for an unknown email, so equal work is impossible for the routes that
 * must not reveal accounts; both paths answer at the floor instead (the known path's work stays
 * well under it).
 */
export async function atRequestFloor(deps: Pick<IdentityDeps, 'now' | 'config'>, work: () => Promise<void>): Promise<void> {
  const answerAt = deps.now() + deps.config.resetRequestMinMs;
  await work();
  const early = answerAt - deps.now();
  if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
}
