/**
 * Rules checked on a list and committed under the workspace's version hold when a concurrent
 * change commits between the reads. Deterministic: the domain's read of the workspace item is
 * held (`gatedRepo`) until the reads beside it are done and a concurrent change has committed.
 * Read in parallel, the rule was checked on the list as it was BEFORE the change and committed
 * under the version AFTER it (a workspace with no OWNER, a member or an application past the
 * cap); read version first, the commit fails and the retry sees the change.
 */
import { createApplication, MAX_APPLICATIONS, type ApplicationDeps } from '../../functions/applications/applications';
import { ApplicationEntity } from '../../functions/applications/entities';
import { DomainError } from '../../functions/errors';
import { readOutbox } from '../../functions/mail/outbox';
import { limitsFor } from '../../functions/platform/tiers';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { WorkspaceEntity } from '../../functions/workspaces/entities';
import { acceptInvite, type InviteDeps } from '../../functions/workspaces/invites';
import { addMember, changeMemberRole } from '../../functions/workspaces/members';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import { memberActor } from '../../functions/workspaces/workspaces';
import { gatedRepo } from '../support/gated-repo';
import { call, signUpWithToken, uniqueEmail } from '../support/http';
import { dataLayer } from './jobs-harness';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

const deps = () => {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, blind: d.blind, now: Date.now };
};
const store = () => createWorkspaceStore(dataLayer().repo);

async function newWorkspace(owner: User, name: string): Promise<string> {
  const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name } });
  expect(r.status).toBe(201);
  return r.body.workspace.id as string;
}

async function setTier(ws: string, tier: 'free' | 'base') {
  const w = await store().getWorkspace(ws);
  await store().setTier(ws, tier, w!.version);
}

/** Runs `victim` on a gated repository; `concurrent` commits while its workspace read is held. */
async function race<T>(victim: (repo: ReturnType<typeof gatedRepo>['repo']) => Promise<T>, concurrent: () => Promise<unknown>): Promise<T> {
  const gated = gatedRepo(dataLayer().repo, WorkspaceEntity);
  const outcome = victim(gated.repo);
  outcome.catch(() => undefined);
  await gated.arrived;
  await concurrent();
  gated.open();
  return outcome;
}

const code = (err: unknown) => (err instanceof DomainError ? err.options.code : String(err));

describe('checks on a list commit only under the version they were read at', () => {
  it('a demotion racing the other OWNER’s demotion: 409 last-owner, one OWNER stays', async () => {
    const a = await signUpWithToken();
    const b = await signUpWithToken();
    const ws = await newWorkspace(a, 'Two owners');
    await addMember(deps(), await memberActor(deps(), a.userId, ws), b.userId, 'OWNER');
    const actorA = await memberActor(deps(), a.userId, ws);
    const actorB = await memberActor(deps(), b.userId, ws);

    const outcome = race(
      (repo) => changeMemberRole({ ...deps(), repo }, actorA, b.userId, 'USER'),
      () => changeMemberRole(deps(), actorB, a.userId, 'USER'),
    );
    await expect(outcome.catch(code)).resolves.toBe('last-owner');
    const roles = Object.fromEntries((await store().listMembers(ws)).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [a.userId]: 'USER', [b.userId]: 'OWNER' });
  });

  it('an accept racing another accept at the member cap: 429 member-limit, the cap holds', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Seat race');
    const cap = limitsFor('free').membersPerWorkspace;
    // Invites for more seats than the free tier has (made on a larger tier, then lowered).
    await setTier(ws, 'base');
    const guests = await Promise.all(Array.from({ length: cap }, () => signUpWithToken(uniqueEmail('seat'))));
    const tokens: string[] = [];
    for (const g of guests) {
      expect((await call('POST', `/api/v1/workspaces/${ws}/invites`, { token: owner.token, body: { email: g.email, role: 'USER' } })).status).toBe(201);
      const [mail] = await readOutbox(process.env.MAIL_OUTBOX_DIR!, g.email);
      tokens.push(decodeURIComponent(/\/invites\/accept#token=(\S+)/.exec(mail!.text)![1]!));
    }
    await setTier(ws, 'free');
    const accept = (i: number) => call('POST', '/api/v1/invites/accept', { token: guests[i]!.token, body: { token: tokens[i] } });
    // Members: owner + guests[0..cap-3]; one seat left.
    for (let i = 0; i < cap - 2; i++) expect((await accept(i)).status).toBe(200);
    const last = guests[cap - 1]!;
    const inviteDeps: Omit<InviteDeps, 'repo'> = { ...deps(), mailer: { send: async () => undefined }, publicUrl: 'http://localhost' };

    const outcome = race(
      (repo) => acceptInvite({ ...inviteDeps, repo }, { userId: last.userId, email: last.email }, tokens[cap - 1]!),
      async () => expect((await accept(cap - 2)).status).toBe(200),
    );
    await expect(outcome.catch(code)).resolves.toBe('member-limit');
    expect(await store().listMembers(ws)).toHaveLength(cap);
  });

  it('a create racing the create that reaches the application cap: 429 application-limit, the cap holds', async () => {
    const owner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'App race');
    const actor = await memberActor(deps(), owner.userId, ws);
    const ctx = { label: `user#${owner.userId}`, requestId: 'race', ip: '127.0.0.1', userAgent: 'jest' };
    const input = (name: string) => ({ name, allowedOrigins: [], redirectUris: [], enabled: true });
    const appDeps = (repo: ApplicationDeps['repo']): ApplicationDeps => ({ repo, audit: dataLayer().audit, now: Date.now });
    for (let i = 0; i < MAX_APPLICATIONS - 1; i++) await createApplication(appDeps(dataLayer().repo), actor, ctx, input(`app ${i}`));

    const outcome = race(
      (repo) => createApplication(appDeps(repo), actor, ctx, input('late')),
      () => createApplication(appDeps(dataLayer().repo), actor, ctx, input('last')),
    );
    await expect(outcome.catch(code)).resolves.toBe('application-limit');
    const rows = await dataLayer().repo.query(workspaceTenant(ws), ApplicationEntity, { limit: MAX_APPLICATIONS + 5, consistent: true });
    expect(rows.items).toHaveLength(MAX_APPLICATIONS);
  }, 60_000);
});
