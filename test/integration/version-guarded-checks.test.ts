/**
 * Rules checked on a list and committed under the workspace's version hold when a concurrent
 * change commits between the reads. Deterministic: the domain's read of the workspace item is
 * held (`gatedRepo`) until the reads beside it are done and a concurrent change has committed.
 * Read in parallel, the rule was checked on the list as it was BEFORE the change and committed
 * under the version AFTER it (a workspace with no OWNER, a member or an application past the
 * cap); read version first, the commit fails and the retry sees the change.
 */
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { createAutomationCredential, MAX_AUTOMATION_CREDENTIALS } from '../../functions/app-auth/automation';
import { AutomationCredentialEntity } from '../../functions/app-auth/entities';
import { createApplication, MAX_APPLICATIONS } from '../../functions/applications/applications';
import { ApplicationEntity } from '../../functions/applications/entities';
import { connectAccount, MAX_ACCOUNTS_PER_USER, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { cfAccountSk, CloudflareAccountEntity } from '../../functions/cloudflare/entities';
import { newId } from '../../functions/identity/tokens';
import { DomainError } from '../../functions/errors';
import { readOutbox } from '../../functions/mail/outbox';
import { limitsFor } from '../../functions/platform/tiers';
import { workspaceTenant, type Tenant } from '../../functions/tenancy/tenant';
import { MemberEntity, WorkspaceEntity } from '../../functions/workspaces/entities';
import { acceptInvite, type InviteDeps } from '../../functions/workspaces/invites';
import { addMember, changeMemberRole } from '../../functions/workspaces/members';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import { deleteWorkspace, memberActor } from '../../functions/workspaces/workspaces';
import type { Entity } from '../../functions/data/entity';
import { gatedRepo } from '../support/gated-repo';
import { call, signUpWithToken, uniqueEmail } from '../support/http';
import { actorFor } from './cloudflare-fixtures';
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
async function race<T>(
  victim: (repo: ReturnType<typeof gatedRepo>['repo']) => Promise<T>,
  concurrent: () => Promise<unknown>,
  at: Parameters<typeof gatedRepo>[1] = { beforeGet: WorkspaceEntity },
): Promise<T> {
  const gated = gatedRepo(dataLayer().repo, at);
  const outcome = victim(gated.repo);
  outcome.catch(() => undefined);
  await gated.arrived;
  await concurrent();
  gated.open();
  return outcome;
}

const code = (err: unknown) => (err instanceof DomainError ? err.options.code : String(err));

/** An OWNER's new workspace, its actor and an audit context. */
async function ownedWorkspace(name: string) {
  const owner = await signUpWithToken();
  const ws = await newWorkspace(owner, name);
  const actor = await memberActor(deps(), owner.userId, ws);
  const ctx = { label: `user#${owner.userId}`, requestId: 'race', ip: '127.0.0.1', userAgent: 'jest' };
  return { ws, actor, ctx };
}
/** How many items of `entity` the tenant holds (consistent). */
const countOf = async <T extends object>(tenant: Tenant, entity: Entity<T>) =>
  (await dataLayer().repo.query(tenant, entity, { limit: 100, consistent: true })).items.length;
const appInput = (name: string) => ({ name, allowedOrigins: [], redirectUris: [], enabled: true });
/** A workspace with an application holding `free` automation credentials fewer than the cap. */
async function credentialsBelowCap(name: string, free: number) {
  const owned = await ownedWorkspace(name);
  const app = await createApplication(adminDeps(), owned.actor, owned.ctx, appInput('robots'));
  for (let i = 0; i < MAX_AUTOMATION_CREDENTIALS - free; i++) await createAutomationCredential(adminDeps(), owned.actor, owned.ctx, app.id, `robot ${i}`);
  return { ...owned, app };
}
const adminDeps = (repo: ReturnType<typeof gatedRepo>['repo'] = dataLayer().repo) => ({ repo, audit: dataLayer().audit, now: Date.now });

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

  it('a join racing the workspace delete: the new member goes with the workspace (no membership left behind)', async () => {
    const owner = await signUpWithToken();
    const joiner = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Doomed race');
    const actor = await memberActor(deps(), owner.userId, ws);
    const noJobs = async () => 0;

    await race(
      (repo) => deleteWorkspace({ ...deps(), repo }, actor, noJobs),
      () => addMember(deps(), actor, joiner.userId, 'USER'),
      { afterQuery: MemberEntity },
    );
    expect(await store().getWorkspace(ws)).toBeUndefined();
    expect(await store().listMembers(ws)).toEqual([]);
    expect((await store().listLinks(joiner.userId)).map((l) => l.workspaceId)).not.toContain(ws);
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
      const mail = (await readOutbox(process.env.MAIL_OUTBOX_DIR!, g.email)).find((m) => m.text.includes('/invites/accept#token='));
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
    const { ws, actor, ctx } = await ownedWorkspace('App race');
    for (let i = 0; i < MAX_APPLICATIONS - 1; i++) await createApplication(adminDeps(), actor, ctx, appInput(`app ${i}`));

    const outcome = race(
      (repo) => createApplication(adminDeps(repo), actor, ctx, appInput('late')),
      () => createApplication(adminDeps(), actor, ctx, appInput('last')),
    );
    await expect(outcome.catch(code)).resolves.toBe('application-limit');
    expect(await countOf(workspaceTenant(ws), ApplicationEntity)).toBe(MAX_APPLICATIONS);
  }, 60_000);

  it('an automation credential racing the one that reaches its cap: 429 automation-credential-limit, the cap holds', async () => {
    const { ws, actor, ctx, app } = await credentialsBelowCap('Robot race', 1);

    const outcome = race(
      (repo) => createAutomationCredential(adminDeps(repo), actor, ctx, app.id, 'late'),
      () => createAutomationCredential(adminDeps(), actor, ctx, app.id, 'last'),
      { afterQuery: AutomationCredentialEntity },
    );
    await expect(outcome.catch(code)).resolves.toBe('automation-credential-limit');
    expect(await countOf(workspaceTenant(ws), AutomationCredentialEntity)).toBe(MAX_AUTOMATION_CREDENTIALS);
  }, 60_000);

  it('a burst of automation credentials 5 below the cap: exactly 5 get in', async () => {
    const { ws, actor, ctx, app } = await credentialsBelowCap('Robot burst', 5);
    const burst = await Promise.all(Array.from({ length: 15 }, (_, i) => createAutomationCredential(adminDeps(), actor, ctx, app.id, `burst ${i}`).then(() => 'created', code)));
    expect(burst.filter((r) => r === 'created')).toHaveLength(5);
    expect(burst.filter((r) => r === 'automation-credential-limit')).toHaveLength(10);
    expect(await countOf(workspaceTenant(ws), AutomationCredentialEntity)).toBe(MAX_AUTOMATION_CREDENTIALS);
  }, 60_000);

  describe('Cloudflare accounts', () => {
    let sb: CloudflareSandbox;
    beforeAll(async () => {
      sb = await startCloudflareSandbox({ seed: { zones: 1, recordsPerZone: 1 } });
    });
    afterAll(async () => sb?.close());
    const cfDeps = (repo: CloudflareDeps['repo']): CloudflareDeps => ({
      repo,
      table: dataLayer().table,
      audit: dataLayer().audit,
      cloudflare: { sandboxUrl: sb.url },
      now: Date.now,
    });
    /** `n` stored accounts (written directly: the cap counts items). */
    async function fill(tenant: Tenant, n: number) {
      const at = new Date().toISOString();
      for (let i = 0; i < n; i++) {
        await dataLayer().repo.create(tenant, CloudflareAccountEntity, cfAccountSk(newId()), {
          name: `filler ${i}`,
          token: `token-${i}`.padEnd(40, 'x'),
          tokenHint: 'xxxx',
          kind: 'token',
          status: 'active',
          statusDetail: null,
          createdAt: at,
          verifiedAt: at,
        });
      }
    }

    it('a connect racing the one that reaches the cap: 429 cloudflare-account-limit, the cap holds', async () => {
      const actor = actorFor();
      await fill(actor.tenant, MAX_ACCOUNTS_PER_USER - 1);
      const ctx = { label: `user#${actor.memberId}`, requestId: 'race', ip: '127.0.0.1', userAgent: 'jest' };
      const outcome = race(
        (repo) => connectAccount(cfDeps(repo), actor, ctx, { name: 'late', sandbox: true }),
        () => connectAccount(cfDeps(dataLayer().repo), actor, ctx, { name: 'last', sandbox: true }),
        { afterQuery: CloudflareAccountEntity },
      );
      await expect(outcome.catch(code)).resolves.toBe('cloudflare-account-limit');
      expect(await countOf(actor.tenant, CloudflareAccountEntity)).toBe(MAX_ACCOUNTS_PER_USER);
    }, 60_000);

    it('a burst of connects 3 below the cap: exactly 3 get in', async () => {
      const actor = actorFor();
      await fill(actor.tenant, MAX_ACCOUNTS_PER_USER - 3);
      const ctx = { label: `user#${actor.memberId}`, requestId: 'burst', ip: '127.0.0.1', userAgent: 'jest' };
      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, i) => connectAccount(cfDeps(dataLayer().repo), actor, ctx, { name: `burst ${i}`, sandbox: true }).then(() => 'created', code)),
      );
      expect(burst.filter((r) => r === 'created')).toHaveLength(3);
      expect(burst.filter((r) => r === 'cloudflare-account-limit')).toHaveLength(5);
      expect(await countOf(actor.tenant, CloudflareAccountEntity)).toBe(MAX_ACCOUNTS_PER_USER);
    }, 60_000);
  });
});
