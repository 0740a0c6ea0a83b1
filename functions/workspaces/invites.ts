/**
 * Invites: an ADMIN or OWNER invites an email address with a role (only an
 * OWNER invites an OWNER); the mail carries a single-use link to the
 * dashboard. Accepting needs a session of the user with that address (blind
 * indexes compared: the address itself is never compared in the clear nor
 * shown to the token holder).
 *
 * Token: `fv_inv_<workspaceId>.<inviteId>.<secret>`, a 256-bit random
 * secret; only its SHA-256 is stored. Resend mints a new secret (the old link
 * dies); revoke deletes the invite; an accept deletes it in the same
 * transaction as the membership (exactly one of concurrent accepts wins).
 *
 * Member cap (`membersPerWorkspace` of the workspace's tier): members plus
 * pending invites. Creating an invite needs a free seat; an accept needs the
 * members alone to stay within the cap (a tier lowered after inviting: the
 * first joins win). Both commit under the workspace's version, so a burst
 * cannot overshoot. Past the cap: 429 `member-limit`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../contracts/workspaces';
import type { BlindIndexer } from '../crypto/blind-index';
import { ConflictError } from '../data/errors';
import { readGuardFirst } from '../data/guarded-reads';
import { DomainError, notFound } from '../errors';
import type { Mailer } from '../mail/mailer';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import { workspaceTenant } from '../tenancy/tenant';
import type { WorkspaceDeps } from './deps';
import { createInviteStore, type InviteItem } from './invite-store';
import { assertCan, assertEmailVerified } from './permissions';
import { createWorkspaceStore } from './store';
import { workspaceNotFound } from './workspaces';

export interface InviteDeps extends WorkspaceDeps {
  readonly blind: Pick<BlindIndexer, 'blindIndex'>;
  readonly mailer: Mailer;
  /** The dashboard's origin: the mailed link is `<publicUrl>/invites/accept#token=…`. */
  readonly publicUrl: string;
  /** @default INVITE_TTL_MS */
  readonly inviteTtlMs?: number;
}

export const INVITE_TTL_MS = 7 * 24 * 3600_000;
export const INVITE_TOKEN_PREFIX = 'fv_inv_';
/** Resends of one invite (each mails the address again). */
export const MAX_INVITE_RESENDS = 5;
const ATTEMPTS = 10;

export interface InviteView {
  id: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');
const view = (id: string, i: InviteItem): InviteView => ({ id, email: i.email, role: i.role, invitedBy: i.invitedBy, createdAt: i.createdAt, expiresAt: i.expiresAt });
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20 * Math.min(attempt, 5))));

function mint(workspaceId: string, inviteId: string): { token: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${INVITE_TOKEN_PREFIX}${workspaceId}.${inviteId}.${secret}`, secretHash: hashSecret(secret) };
}

function parse(token: string): { workspaceId: string; inviteId: string; secret: string } | undefined {
  if (!token.startsWith(INVITE_TOKEN_PREFIX)) return undefined;
  const m = /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{43})$/.exec(token.slice(INVITE_TOKEN_PREFIX.length));
  return m ? { workspaceId: m[1]!, inviteId: m[2]!, secret: m[3]! } : undefined;
}

function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

const invalidLink = () =>
  new DomainError('not-found', 'This invite link is invalid, was already used, was revoked or has expired: ask for a new invite', { code: 'invite-invalid' });

const memberLimit = (limit: number) =>
  new DomainError('limit-exceeded', `This workspace's tier allows at most ${limit} members, pending invites included`, {
    code: 'member-limit',
    extra: { limit, limitName: 'membersPerWorkspace' },
  });

async function audit(deps: WorkspaceDeps, tenantId: string, tier: Actor['tier'], by: string, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(workspaceTenant(tenantId), { type, actor: `user#${by}`, metadata }, { retentionDays: limitsFor(tier).auditRetentionDays });
}

async function mailInvite(deps: InviteDeps, to: string, workspaceName: string, role: Role, token: string, expiresAt: string) {
  const link = `${deps.publicUrl.replace(/\/$/, '')}/invites/accept#token=${encodeURIComponent(token)}`;
  await deps.mailer.send({
    to,
    subject: `You are invited to the flarevault workspace "${workspaceName}"`,
    text:
      `You are invited to join the flarevault workspace "${workspaceName}" as ${role}.\n\n` +
      `Open this link to accept (sign in, or sign up, with this email address first):\n${link}\n\n` +
      `The link works once and until ${expiresAt}.\n\nInvite token: ${token}\n\nIf you did not expect this, ignore this message.`,
  });
}

const pending = (items: ReadonlyArray<InviteItem>, now: number) => items.filter((i) => Date.parse(i.expiresAt) > now);

export async function createInvite(deps: InviteDeps, actor: Actor, input: { email: string; role: Role }): Promise<InviteView> {
  assertEmailVerified(actor);
  assertCan(actor, 'invites.manage');
  if (input.role === 'OWNER') assertCan(actor, 'workspace.transfer');
  const store = createWorkspaceStore(deps.repo);
  const invites = createInviteStore(deps.repo);
  const workspaceId = actor.tenant.id;
  const emailIndex = await deps.blind.blindIndex('email', input.email);
  const inviteId = randomBytes(16).toString('base64url');
  const { token, secretHash } = mint(workspaceId, inviteId);
  for (let attempt = 1; ; attempt++) {
    const [workspace, [members, open]] = await readGuardFirst(
      () => store.getWorkspace(workspaceId),
      () => Promise.all([store.listMembers(workspaceId), invites.all(workspaceId)]),
    );
    if (!workspace) throw workspaceNotFound();
    const now = deps.now();
    const live = pending(open, now);
    if (live.some((i) => i.emailIndex === emailIndex)) {
      throw new DomainError('conflict', 'This address already has a pending invite: resend it instead', { code: 'already-invited' });
    }
    const limit = limitsFor(workspace.tier).membersPerWorkspace;
    if (members.length + live.length >= limit) throw memberLimit(limit);
    const item: InviteItem = { email: input.email, emailIndex, role: input.role, secretHash, invitedBy: actor.memberId, createdAt: iso(now), expiresAt: iso(now + (deps.inviteTtlMs ?? INVITE_TTL_MS)) };
    try {
      await invites.create({ id: workspaceId, version: workspace.version, membersRevision: workspace.membersRevision }, inviteId, item);
    } catch (err) {
      if (err instanceof ConflictError && attempt < ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw err;
    }
    await mailInvite(deps, input.email, workspace.name, input.role, token, item.expiresAt);
    await audit(deps, workspaceId, workspace.tier, actor.memberId, 'workspace.invite.created', { inviteId, role: input.role });
    return view(inviteId, item);
  }
}

export async function listInvites(deps: InviteDeps, actor: Actor, page: { cursor?: string; limit: number }) {
  assertCan(actor, 'invites.manage');
  const got = await createInviteStore(deps.repo).page(actor.tenant.id, page);
  const now = deps.now();
  const invites = got.items
    .filter((i) => Date.parse(i.expiresAt) > now)
    .map((i) => view(i.sk.slice('INVITE#'.length), i))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { invites, nextCursor: got.cursor ?? null };
}

async function pendingInvite(deps: InviteDeps, actor: Actor, inviteId: string) {
  const invite = await createInviteStore(deps.repo).get(actor.tenant.id, inviteId);
  if (!invite || Date.parse(invite.expiresAt) <= deps.now()) throw notFound('Invite');
  if (invite.role === 'OWNER') assertCan(actor, 'workspace.transfer');
  return invite;
}

/**
 * A new link and a new expiry; the old link stops working (its hash is replaced). Written at the
 * invite's version: of concurrent resends one wins (409 `invite-changed` for the others), and
 * the count of resends holds (429 `invite-resend-limit` past MAX_INVITE_RESENDS).
 */
export async function resendInvite(deps: InviteDeps, actor: Actor, inviteId: string): Promise<InviteView> {
  assertCan(actor, 'invites.manage');
  const invite = await pendingInvite(deps, actor, inviteId);
  const resends = (invite.resends ?? 0) + 1;
  if (resends > MAX_INVITE_RESENDS) {
    throw new DomainError('limit-exceeded', `An invite is resent at most ${MAX_INVITE_RESENDS} times: revoke it and invite again`, {
      code: 'invite-resend-limit',
      extra: { limit: MAX_INVITE_RESENDS, limitName: 'inviteResends' },
    });
  }
  const workspace = await createWorkspaceStore(deps.repo).getWorkspace(actor.tenant.id);
  if (!workspace) throw workspaceNotFound();
  const { token, secretHash } = mint(actor.tenant.id, inviteId);
  const item: InviteItem = {
    email: invite.email,
    emailIndex: invite.emailIndex,
    role: invite.role,
    invitedBy: invite.invitedBy,
    createdAt: invite.createdAt,
    secretHash,
    expiresAt: iso(deps.now() + (deps.inviteTtlMs ?? INVITE_TTL_MS)),
    resends,
  };
  try {
    await createInviteStore(deps.repo).replace(actor.tenant.id, inviteId, item, invite.version);
  } catch (err) {
    // Accepted, revoked or resent meanwhile.
    if (err instanceof ConflictError) throw new DomainError('conflict', 'The invite changed meanwhile: reload the list', { code: 'invite-changed' });
    throw err;
  }
  await mailInvite(deps, item.email, workspace.name, item.role, token, item.expiresAt);
  await audit(deps, actor.tenant.id, workspace.tier, actor.memberId, 'workspace.invite.resent', { inviteId });
  return view(inviteId, item);
}

export async function revokeInvite(deps: InviteDeps, actor: Actor, inviteId: string): Promise<void> {
  assertCan(actor, 'invites.manage');
  await pendingInvite(deps, actor, inviteId);
  try {
    await createInviteStore(deps.repo).remove(actor.tenant.id, inviteId);
  } catch (err) {
    if (err instanceof ConflictError) throw notFound('Invite');
    throw err;
  }
  await audit(deps, actor.tenant.id, actor.tier, actor.memberId, 'workspace.invite.revoked', { inviteId });
}

/** The invite a token names if it is pending and the secret matches, else 404 `invite-invalid`. */
async function inviteOf(deps: InviteDeps, token: string) {
  const parsed = parse(token);
  if (!parsed) throw invalidLink();
  const invite = await createInviteStore(deps.repo).get(parsed.workspaceId, parsed.inviteId);
  if (!invite || !secretMatches(parsed.secret, invite.secretHash) || Date.parse(invite.expiresAt) <= deps.now()) throw invalidLink();
  return { ...parsed, invite };
}

/**
 * What a link offers, for the accept page: the workspace's name, the role and the expiry —
 * never the invited address (the token holder may not be its owner). Public: the token is
 * the credential (256 bits).
 */
export async function previewInvite(deps: InviteDeps, token: string) {
  const { workspaceId, invite } = await inviteOf(deps, token);
  const workspace = await createWorkspaceStore(deps.repo).getWorkspace(workspaceId);
  if (!workspace) throw invalidLink();
  return { workspaceId, workspaceName: workspace.name, role: invite.role, expiresAt: invite.expiresAt };
}

/**
 * The signed-in user (`user.email`: their account's address) accepts: the addresses must
 * match (403 `invite-email-mismatch`), the members must stay within the cap (429), and the
 * invite is consumed in the same transaction as the membership.
 */
export async function acceptInvite(deps: InviteDeps, user: { userId: string; email: string }, token: string) {
  const store = createWorkspaceStore(deps.repo);
  const userIndex = await deps.blind.blindIndex('email', user.email);
  for (let attempt = 1; ; attempt++) {
    const { workspaceId, inviteId, invite } = await inviteOf(deps, token);
    if (invite.emailIndex !== userIndex) {
      throw new DomainError('forbidden', 'This invite was sent to another email address: sign in with that address (or sign up with it first), then open the link again', {
        code: 'invite-email-mismatch',
      });
    }
    const [workspace, members] = await readGuardFirst(() => store.getWorkspace(workspaceId), () => store.listMembers(workspaceId));
    if (!workspace) throw invalidLink();
    if (members.some((m) => m.userId === user.userId)) throw new DomainError('conflict', 'You are already a member of this workspace', { code: 'already-member' });
    const limit = limitsFor(workspace.tier).membersPerWorkspace;
    if (members.length >= limit) throw memberLimit(limit);
    const joinedAt = iso(deps.now());
    try {
      await createInviteStore(deps.repo).claim(
        { id: workspaceId, version: workspace.version, membersRevision: workspace.membersRevision },
        inviteId,
        invite.version,
        user.userId,
        { role: invite.role, joinedAt, revision: 1 },
      );
    } catch (err) {
      // Another join, a resend, a revoke or a concurrent accept of this invite: read again
      // (a consumed or changed invite then answers 404).
      if (err instanceof ConflictError && attempt < ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw err;
    }
    await store.link(user.userId, workspaceId, joinedAt);
    await audit(deps, workspaceId, workspace.tier, user.userId, 'workspace.invite.accepted', { inviteId, userId: user.userId, role: invite.role, invitedBy: invite.invitedBy });
    return { workspaceId, workspaceName: workspace.name, role: invite.role };
  }
}
