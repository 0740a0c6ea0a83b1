/**
 * Invites over HTTP against the local runtime: the mailed link (outbox) is
 * accepted by the invited address's user and makes a member; another user is
 * refused (403); a used, expired, revoked or resent-away link is dead (404);
 * concurrent accepts of one invite: exactly one wins; the tier's member cap
 * (pending invites included) holds under bursts of invites and of accepts.
 */
import { readOutbox } from '../../functions/mail/outbox';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { InviteEntity, inviteSk } from '../../functions/workspaces/invite-store';
import { MAX_INVITE_RESENDS } from '../../functions/workspaces/invites';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import { limitsFor } from '../../functions/platform/tiers';
import { call, signUpWithToken, uniqueEmail } from '../support/http';
import { dataLayer } from './jobs-harness';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

async function newWorkspace(owner: User, name: string): Promise<string> {
  const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name } });
  expect(r.status).toBe(201);
  return r.body.workspace.id as string;
}

const invite = (by: User, ws: string, email: string, role = 'USER') => call('POST', `/api/v1/workspaces/${ws}/invites`, { token: by.token, body: { email, role } });
const accept = (u: User | undefined, token: string) => call('POST', '/api/v1/invites/accept', { token: u?.token, body: { token } });

/** The invite tokens mailed to `email`, newest first (the link carries the same token in its fragment). */
async function mailedTokens(email: string): Promise<string[]> {
  const mails = await readOutbox(process.env.MAIL_OUTBOX_DIR!, email);
  return mails.flatMap((m) => {
    const link = /\/invites\/accept#token=(\S+)/.exec(m.text);
    return link ? [decodeURIComponent(link[1]!)] : [];
  });
}

async function invited(by: User, ws: string, email: string, role = 'USER'): Promise<{ id: string; token: string }> {
  const r = await invite(by, ws, email, role);
  expect(r.status).toBe(201);
  const [token] = await mailedTokens(email);
  expect(token).toMatch(/^fv_inv_/);
  return { id: r.body.invite.id as string, token: token! };
}

const memberIds = async (ws: string) => (await createWorkspaceStore(dataLayer().repo).listMembers(ws)).map((m) => m.userId);

async function setTier(ws: string, tier: 'free' | 'base' | 'pro') {
  const store = createWorkspaceStore(dataLayer().repo);
  const w = await store.getWorkspace(ws);
  await store.setTier(ws, tier, w!.version);
}

describe('workspace invites', () => {
  it('invite → mailed link → preview → accept by the invited user → member with the role, audited', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Invite agency');
    const guest = await signUpWithToken();
    const { id, token } = await invited(owner, ws, guest.email.toUpperCase(), 'ADMIN');
    const [mail] = await readOutbox(process.env.MAIL_OUTBOX_DIR!, guest.email);
    expect(mail!.text).toContain('/invites/accept#token=');
    expect(mail!.text).toContain('Invite agency');

    const listed = await call('GET', `/api/v1/workspaces/${ws}/invites`, { token: owner.token });
    expect(listed.status).toBe(200);
    expect(listed.body.invites).toEqual([expect.objectContaining({ id, role: 'ADMIN', invitedBy: owner.userId })]);
    expect(JSON.stringify(listed.body)).not.toContain('fv_inv_');

    const preview = await call('POST', '/api/v1/invites/preview', { body: { token } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ workspaceId: ws, workspaceName: 'Invite agency', role: 'ADMIN' });
    expect(JSON.stringify(preview.body).toLowerCase()).not.toContain(guest.email.toLowerCase());

    // Signed out: 401.
    expect((await accept(undefined, token)).status).toBe(401);
    const ok = await accept(guest, token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ workspaceId: ws, role: 'ADMIN' });
    const members = await call('GET', `/api/v1/workspaces/${ws}/members`, { token: guest.token });
    expect(members.body.members).toEqual(expect.arrayContaining([expect.objectContaining({ userId: guest.userId, role: 'ADMIN' })]));
    expect((await call('GET', '/api/v1/workspaces', { token: guest.token })).body.workspaces.map((w: { id: string }) => w.id)).toContain(ws);
    // Consumed: reuse and preview are refused; the list is empty.
    const again = await accept(guest, token);
    expect(again.status).toBe(404);
    expect(again.body.type).toMatch(/invite-invalid$/);
    expect((await call('POST', '/api/v1/invites/preview', { body: { token } })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${ws}/invites`, { token: owner.token })).body.invites).toEqual([]);

    const events = (await dataLayer().audit.list(workspaceTenant(ws), { limit: 50 })).items.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['workspace.invite.created', 'workspace.invite.accepted']));
    // The raw item holds no clear email or token.
    const raw = JSON.stringify(await dataLayer().table.doc.send(new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: dataLayer().table.name, Key: { pk: `T#workspace#${ws}`, sk: inviteSk(id) } })));
    expect(raw.toLowerCase()).not.toContain(guest.email.toLowerCase());
  });

  it('another signed-in user gets 403 invite-email-mismatch; USER cannot invite; ADMIN cannot invite an OWNER', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Mismatch');
    await setTier(ws, 'base');
    const target = uniqueEmail('invitee');
    const { token } = await invited(owner, ws, target);
    const stranger = await signUpWithToken();
    const refused = await accept(stranger, token);
    expect(refused.status).toBe(403);
    expect(refused.body.type).toMatch(/invite-email-mismatch$/);
    expect(refused.body.detail ?? refused.body.title).toMatch(/sign up/);

    // The address signs up afterwards, then accepts as USER.
    const late = await signUpWithToken(target);
    expect((await accept(late, token)).status).toBe(200);
    const asUser = await invite(late, ws, uniqueEmail());
    expect(asUser.status).toBe(403);
    expect(asUser.body).toMatchObject({ requiredRole: 'ADMIN', action: 'invites.manage' });

    // An ADMIN invites USERs and ADMINs, not OWNERs.
    const adminEmail = uniqueEmail('admin');
    const { token: adminToken } = await invited(owner, ws, adminEmail, 'ADMIN');
    const admin = await signUpWithToken(adminEmail);
    expect((await accept(admin, adminToken)).status).toBe(200);
    const ownerByAdmin = await invite(admin, ws, uniqueEmail(), 'OWNER');
    expect(ownerByAdmin.status).toBe(403);
    expect(ownerByAdmin.body.requiredRole).toBe('OWNER');
    expect((await invite(admin, ws, uniqueEmail(), 'ADMIN')).status).toBe(201);
    // A non-member: 404.
    expect((await invite(stranger, ws, uniqueEmail())).status).toBe(404);
    // The same address twice: 409.
    const twice = uniqueEmail();
    expect((await invite(owner, ws, twice)).status).toBe(201);
    expect((await invite(owner, ws, twice)).status).toBe(409);
  });

  it('expired, revoked and resent-away links are dead; resend mails a working one', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Dead links');
    const guest = await signUpWithToken();
    const first = await invited(owner, ws, guest.email);

    const resent = await call('POST', `/api/v1/workspaces/${ws}/invites/${first.id}/resend`, { token: owner.token });
    expect(resent.status).toBe(200);
    const [second] = await mailedTokens(guest.email);
    expect(second).not.toBe(first.token);
    expect((await accept(guest, first.token)).status).toBe(404);

    // Expired (the TTL may not have removed it yet: the expiry is checked too).
    const repo = dataLayer().repo;
    const item = await repo.get(workspaceTenant(ws), InviteEntity, inviteSk(first.id), { consistent: true });
    await repo.update(workspaceTenant(ws), InviteEntity, inviteSk(first.id), { expiresAt: new Date(Date.now() - 1000).toISOString() }, { expectedVersion: item!.version });
    expect((await accept(guest, second!)).status).toBe(404);
    expect((await call('POST', '/api/v1/invites/preview', { body: { token: second } })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${ws}/invites`, { token: owner.token })).body.invites).toEqual([]);

    // Revoked.
    const other = await signUpWithToken();
    const third = await invited(owner, ws, other.email);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/invites/${third.id}`, { token: owner.token })).status).toBe(204);
    expect((await accept(other, third.token)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/invites/${third.id}`, { token: owner.token })).status).toBe(404);
    expect(await memberIds(ws)).toEqual([owner.userId]);
    // Garbage tokens: 404 (public preview) and 400 past the bound.
    expect((await call('POST', '/api/v1/invites/preview', { body: { token: 'fv_inv_nope' } })).status).toBe(404);
    expect((await call('POST', '/api/v1/invites/preview', { body: { token: 'x'.repeat(300) } })).status).toBe(400);
  });

  it('a burst of resends: the count holds (at most MAX_INVITE_RESENDS, then 429) and exactly one mailed link works', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Resends');
    const guest = await signUpWithToken();
    const first = await invited(owner, ws, guest.email);
    const resend = () => call('POST', `/api/v1/workspaces/${ws}/invites/${first.id}/resend`, { token: owner.token });
    const burst = await Promise.all(Array.from({ length: MAX_INVITE_RESENDS + 3 }, resend));
    const won = burst.filter((r) => r.status === 200).length;
    expect(won).toBeGreaterThanOrEqual(1);
    expect(won).toBeLessThanOrEqual(MAX_INVITE_RESENDS);
    for (const r of burst.filter((x) => x.status !== 200)) expect([409, 429]).toContain(r.status);
    const item = await dataLayer().repo.get(workspaceTenant(ws), InviteEntity, inviteSk(first.id), { consistent: true });
    expect(item!.resends).toBe(won);
    for (let i = won; i < MAX_INVITE_RESENDS; i++) expect((await resend()).status).toBe(200);
    const over = await resend();
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ limit: MAX_INVITE_RESENDS, limitName: 'inviteResends' });
    // One mail per successful resend; of all the links mailed, exactly one works.
    const all = await mailedTokens(guest.email);
    expect(all).toHaveLength(MAX_INVITE_RESENDS + 1);
    const previews = await Promise.all(all.map((token) => call('POST', '/api/v1/invites/preview', { body: { token } })));
    const live = all.filter((_, i) => previews[i]!.status === 200);
    expect(live).toHaveLength(1);
    expect((await accept(guest, live[0]!)).status).toBe(200);
  });

  it('a burst of concurrent accepts of one invite: exactly one succeeds', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'One winner');
    const guest = await signUpWithToken();
    const { token } = await invited(owner, ws, guest.email);
    const results = await Promise.all(Array.from({ length: 8 }, () => accept(guest, token)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // A loser sees the invite consumed (404) or, having read it just before, the membership it made (409).
    for (const r of results.filter((x) => x.status !== 200)) {
      expect([404, 409]).toContain(r.status);
      expect(r.body.type).toMatch(r.status === 404 ? /invite-invalid$/ : /already-member$/);
    }
    expect((await memberIds(ws)).sort()).toEqual([owner.userId, guest.userId].sort());
  });

  it('the member cap (pending invites included) holds under a burst of invites: 429 naming the limit', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Capped');
    const cap = limitsFor('free').membersPerWorkspace;
    const results = await Promise.all(Array.from({ length: cap + 4 }, () => invite(owner, ws, uniqueEmail('burst'))));
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(cap - 1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({ limit: cap, limitName: 'membersPerWorkspace' });
      expect(r.body.type).toMatch(/member-limit$/);
    }
    // Revoking frees a seat.
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/invites/${created[0]!.body.invite.id}`, { token: owner.token })).status).toBe(204);
    expect((await invite(owner, ws, uniqueEmail())).status).toBe(201);
  });

  it('the cap holds under a burst of accepts of different invites (tier lowered after inviting)', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Downgraded');
    await setTier(ws, 'base');
    const guests = await Promise.all(Array.from({ length: 5 }, () => signUpWithToken()));
    const tokens: string[] = [];
    for (const g of guests) tokens.push((await invited(owner, ws, g.email)).token);
    await setTier(ws, 'free');
    const cap = limitsFor('free').membersPerWorkspace;
    const results = await Promise.all(guests.map((g, i) => accept(g, tokens[i]!)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(cap - 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(guests.length - (cap - 1));
    expect(await memberIds(ws)).toHaveLength(cap);
  });
});
