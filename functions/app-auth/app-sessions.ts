/**
 * App session tokens of an application's users (minted by the hosted login's code exchange):
 *
 *   mintAppSession(deps, app, userId, consume) -> { token, sessionId, expiresAt, expiresIn }
 *   revokeAppUser(deps, tenant, applicationId, appUserId) -> void   (every token of the user for the app)
 *   endAppSession(deps, tenant, applicationId, userId, sessionId) -> void   (one token)
 *   forgetAppUser(deps, tenant, applicationId, appUserId) -> void   (revoke, then delete sessions, slots and the user item)
 *   liveSessionCount(slots, appUser, userRevision, now) -> number
 *
 * The per-user cap (`liveSessionsPerAppUser`) is held by slot items: a mint takes a free slot with a
 * conditional write in the same transaction that creates the session (and consumes the code), so a
 * burst of concurrent exchanges admits exactly as many sessions as there are free slots; the
 * others get 429 `too-many-sessions` with Retry-After = seconds until the oldest live one expires.
 */
import { randomInt } from 'node:crypto';
import { ConflictError } from '../data/errors';
import type { Repository, Stored } from '../data/repository';
import { DomainError } from '../errors';
import { withIntegrity } from '../identity/credential-integrity';
import { USER_SK, UserEntity } from '../identity/entities';
import { mintAppToken, newId } from '../identity/tokens';
import { limitsFor, type Tier } from '../platform/tiers';
import { userTenant, type Tenant } from '../tenancy/tenant';
import {
  AppSessionCredential,
  AppSessionEntity,
  appSessionSk,
  appSessionsPrefix,
  AppSlotEntity,
  appSlotSk,
  appSlotsPrefix,
  AppUserEntity,
  appUserSk,
  type AppSlotItem,
  type AppUserItem,
  AuthCodeEntity,
} from './entities';

export interface AppAuthDeps {
  readonly repo: Repository;
  readonly now: () => number;
}

/** The application a token is minted for, as the hosted login resolved it. */
export interface AppTarget {
  readonly tenant: Tenant;
  readonly tier: Tier;
  readonly applicationId: string;
  readonly lifetimeSeconds: number;
}

/** Expired sessions stay this long so they answer 410 (data intact), not 401. */
export const EXPIRED_SESSION_GRACE_SECONDS = 30 * 24 * 3600;
/** Rounds of read + conditional transaction while concurrent mints or revokes move the items. */
const MINT_ROUNDS = 30;

/**
 * The revision a new app user starts at: the clock, not 0, so tokens of an earlier incarnation of the
 * same user (deleted by an admin: `forgetAppUser`) can never match the new one's revision.
 */
export const firstRevision = (now: number): number => now;

/** Whether a slot holds a session that still counts against the cap. */
export function slotIsLive(slot: AppSlotItem, appUserRevision: number, userRevision: number, now: number): boolean {
  return slot.expiresAt > now && slot.revision >= appUserRevision && slot.userRevision >= userRevision;
}

export function liveSessionCount(slots: readonly AppSlotItem[], appUserRevision: number, userRevision: number, now: number): number {
  return slots.filter((s) => slotIsLive(s, appUserRevision, userRevision, now)).length;
}

const tooManySessions = (limit: number, retryAfterSeconds: number) =>
  new DomainError('rate-limited', `At most ${limit} live sessions per user for this application; end one (logout) or wait until one expires`, {
    code: 'too-many-sessions',
    retryAfterSeconds: Math.max(1, retryAfterSeconds),
    extra: { limit },
  });

/**
 * Mints a session token for `userId`, taking a free slot, and (when `consume` is given) marks the
 * hosted-login code as exchanged in the same transaction, so a code mints at most one session.
 */
export async function mintAppSession(
  deps: AppAuthDeps,
  app: AppTarget,
  userId: string,
  consume?: { readonly codeSk: string; readonly codeVersion: number },
): Promise<{ token: string; sessionId: string; expiresAt: string; expiresIn: number }> {
  const limit = limitsFor(app.tier).liveSessionsPerAppUser;
  const sessionId = newId();
  for (let round = 1; ; round++) {
    const [user, appUser, slots] = await Promise.all([
      deps.repo.get(userTenant(userId), UserEntity, USER_SK),
      deps.repo.get(app.tenant, AppUserEntity, appUserSk(app.applicationId, userId)),
      deps.repo.query(app.tenant, AppSlotEntity, { skPrefix: appSlotsPrefix(app.applicationId, userId), limit: 1000, consistent: true }),
    ]);
    if (!user) throw new DomainError('invalid', 'The user of this code no longer exists', { code: 'invalid-grant' });
    const now = deps.now();
    const revision = appUser?.revision ?? firstRevision(now);
    const bySk = new Map(slots.items.map((s) => [s.sk, s]));
    const free: number[] = [];
    for (let n = 0; n < limit; n++) {
      const slot = bySk.get(appSlotSk(app.applicationId, userId, n));
      if (!slot || !slotIsLive(slot, revision, user.tokenRevision, now)) free.push(n);
    }
    if (free.length === 0) {
      const soonest = Math.min(...slots.items.filter((s) => slotIsLive(s, revision, user.tokenRevision, now)).map((s) => s.expiresAt));
      throw tooManySessions(limit, Math.ceil((soonest - now) / 1000));
    }
    // A random free slot: concurrent mints rarely aim at the same one.
    const n = free[randomInt(free.length)]!;
    const expiresAtMs = now + app.lifetimeSeconds * 1000;
    const minted = mintAppToken('appSession', [app.tenant.id, app.applicationId, userId, sessionId]);
    const slotSk = appSlotSk(app.applicationId, userId, n);
    const slotItem: AppSlotItem = { sessionId, expiresAt: expiresAtMs, revision, userRevision: user.tokenRevision };
    const at = new Date(now).toISOString();
    const tx = deps.repo.tx(app.tenant);
    // The app user's version pins the revision read above: a concurrent revoke makes this round retry.
    if (appUser) tx.check(AppUserEntity, appUserSk(app.applicationId, userId), { expectedVersion: appUser.version });
    else tx.create(AppUserEntity, appUserSk(app.applicationId, userId), { revision: firstRevision(now), kind: 'user', createdAt: at, lastSeenAt: at } satisfies AppUserItem);
    const slot = bySk.get(slotSk);
    if (slot) tx.put(AppSlotEntity, slotSk, slotItem, { expectedVersion: slot.version });
    else tx.create(AppSlotEntity, slotSk, slotItem);
    tx.create(
      AppSessionEntity,
      appSessionSk(app.applicationId, userId, sessionId),
      withIntegrity(AppSessionCredential, { secretHash: minted.secretHash, revision, userRevision: user.tokenRevision, expiresAt: expiresAtMs, slot: n, createdAt: at }),
      { ttl: Math.ceil(expiresAtMs / 1000) + EXPIRED_SESSION_GRACE_SECONDS },
    );
    if (consume) tx.update(AuthCodeEntity, consume.codeSk, { sessionId }, { expectedVersion: consume.codeVersion });
    try {
      await tx.commit();
      return { token: minted.token, sessionId, expiresAt: new Date(expiresAtMs).toISOString(), expiresIn: app.lifetimeSeconds };
    } catch (err) {
      if (!(err instanceof ConflictError) || round >= MINT_ROUNDS) throw err;
      // The code was exchanged meanwhile: that is a replay, decided by the caller on its next read.
      if (consume && (await codeWasExchanged(deps, app.tenant, consume))) throw err;
      await new Promise((r) => setTimeout(r, randomInt(2, 10 * Math.min(round, 5))));
    }
  }
}

async function codeWasExchanged(deps: AppAuthDeps, tenant: Tenant, consume: { codeSk: string; codeVersion: number }): Promise<boolean> {
  const code = await deps.repo.get(tenant, AuthCodeEntity, consume.codeSk);
  return !code || code.version !== consume.codeVersion;
}

/** Ends every token of the app user (bumps the revision the authenticator compares); creates the user item if needed. */
export async function revokeAppUser(deps: AppAuthDeps, tenant: Tenant, applicationId: string, appUserId: string, kind: AppUserItem['kind'] = 'user'): Promise<void> {
  const sk = appUserSk(applicationId, appUserId);
  for (let round = 1; ; round++) {
    const current = await deps.repo.get(tenant, AppUserEntity, sk);
    try {
      if (current) await deps.repo.update(tenant, AppUserEntity, sk, { revision: current.revision + 1 }, { expectedVersion: current.version });
      else {
        const now = deps.now();
        const at = new Date(now).toISOString();
        await deps.repo.create(tenant, AppUserEntity, sk, { revision: firstRevision(now) + 1, kind, createdAt: at, lastSeenAt: at });
      }
      return;
    } catch (err) {
      if (!(err instanceof ConflictError) || round >= MINT_ROUNDS) throw err;
    }
  }
}

/** Ends one token: deletes its item and frees its slot (if the slot still names it). */
export async function endAppSession(deps: AppAuthDeps, tenant: Tenant, applicationId: string, userId: string, sessionId: string): Promise<void> {
  const sk = appSessionSk(applicationId, userId, sessionId);
  const session = await deps.repo.get(tenant, AppSessionEntity, sk);
  if (!session) return;
  const slotSk = appSlotSk(applicationId, userId, session.slot);
  const slot = await deps.repo.get(tenant, AppSlotEntity, slotSk);
  const tx = deps.repo.tx(tenant).delete(AppSessionEntity, sk);
  if (slot?.sessionId === sessionId) tx.delete(AppSlotEntity, slotSk, { expectedVersion: slot.version });
  try {
    await tx.commit();
  } catch (err) {
    // Ended concurrently (another logout, a replayed code): the token is gone either way.
    if (!(err instanceof ConflictError)) throw err;
    await deps.repo.delete(tenant, AppSessionEntity, sk).catch((e: unknown) => {
      if (!(e instanceof ConflictError)) throw e;
    });
  }
}

/** The app user's slots (for the admin's live-session count). */
export async function slotsOf(deps: AppAuthDeps, tenant: Tenant, applicationId: string, appUserId: string): Promise<Stored<AppSlotItem>[]> {
  return (await deps.repo.query(tenant, AppSlotEntity, { skPrefix: appSlotsPrefix(applicationId, appUserId), limit: 1000, consistent: true })).items;
}

/**
 * Removes an app user from the application's records (an admin deleted them): their tokens end
 * first (revision bump, refused on the next request everywhere), then their session and slot items
 * and the user item go. A later sign-in starts a new user (a new first revision).
 */
export async function forgetAppUser(deps: AppAuthDeps, tenant: Tenant, applicationId: string, appUserId: string): Promise<void> {
  const sk = appUserSk(applicationId, appUserId);
  const user = await deps.repo.get(tenant, AppUserEntity, sk);
  if (!user) return;
  await revokeAppUser(deps, tenant, applicationId, appUserId, user.kind);
  const [sessions, slots] = await Promise.all([
    deps.repo.query(tenant, AppSessionEntity, { skPrefix: appSessionsPrefix(applicationId, appUserId), limit: 1000, consistent: true }),
    slotsOf(deps, tenant, applicationId, appUserId),
  ]);
  const gone = (err: unknown) => {
    if (!(err instanceof ConflictError)) throw err;
  };
  await Promise.all([
    ...sessions.items.map((x) => deps.repo.delete(tenant, AppSessionEntity, x.sk).catch(gone)),
    ...slots.map((x) => deps.repo.delete(tenant, AppSlotEntity, x.sk).catch(gone)),
  ]);
  await deps.repo.delete(tenant, AppUserEntity, sk).catch(gone);
}
