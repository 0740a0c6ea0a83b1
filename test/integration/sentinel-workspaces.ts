/**
 * Sentinel workload for workspaces (issue 12), run by sentinel-scan.test.ts after the
 * steps of sentinel-workload.ts (raw-table scan and backup scan).
 *
 * The step signs up an owner, creates a SECOND workspace with a sentinel name (and renames
 * it to another one), signs up a member with a sentinel email and adds them (`addMember`),
 * then runs every entry of `workspaceSentinels` against that workspace.
 *
 * ADD YOUR FEATURE HERE IN ONE LINE (invites, applications, API-access log, …): an entry of
 * `workspaceSentinels` that stores its sensitive values through the real domain code with
 * `ctx.sentinel(label)` (or `ctx.track(secret)` for generated secrets such as invite tokens).
 */
import { signup } from '../../functions/identity/accounts';
import { DEFAULT_IDENTITY_CONFIG, type IdentityDeps } from '../../functions/identity/deps';
import type { Actor } from '../../functions/tenancy/actor';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import { addMember, listMembers } from '../../functions/workspaces/members';
import { createWorkspace, listWorkspaces, renameWorkspace } from '../../functions/workspaces/workspaces';
import { applicationSentinel } from './sentinel-applications';
import { inviteSentinel } from './sentinel-invites';
import { vaultSentinel } from './sentinel-vault';
import { appAuthSentinel } from './sentinel-app-auth';
import type { SentinelContext, SentinelStep } from './sentinel-workload';

/** What each workspace feature's sentinel entry gets. */
export interface WorkspaceSentinelContext extends SentinelContext {
  /** The second workspace (sentinel name), as its OWNER. */
  readonly owner: Actor;
  /** Its member (signed up with a sentinel email), role USER. */
  readonly member: { readonly userId: string; readonly email: string };
  readonly identity: IdentityDeps;
  readonly workspaces: WorkspaceDeps;
}

export interface WorkspaceSentinel {
  readonly name: string;
  run(ctx: WorkspaceSentinelContext): Promise<void>;
}

/** One line per feature: invites (token + email), application names, access-log IPs/UAs… */
export const workspaceSentinels: WorkspaceSentinel[] = [inviteSentinel, applicationSentinel, vaultSentinel, appAuthSentinel];

export const workspaceSentinelStep: SentinelStep = {
  name: 'workspaces: second workspace name (create + rename), member email (signup + addMember), feature hooks',
  async run(ctx) {
    const { dl, sentinel, track } = ctx;
    const identity: IdentityDeps = {
      repo: dl.repo,
      table: dl.table,
      blind: dl.blind,
      audit: dl.audit,
      mailer: { send: async () => undefined },
      now: Date.now,
      config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: 'http://127.0.0.1' },
    };
    const workspaces: WorkspaceDeps = { repo: dl.repo, keyring: dl.keyring, audit: dl.audit, now: Date.now };
    const req = { requestId: 'sentinel', ip: sentinel('ws-ip'), userAgent: sentinel('ws-ua') };
    const password = `${sentinel('ws-password')}-Correct-Horse`;

    const owner = await signup(identity, { email: `${sentinel('ws-owner-email').toLowerCase()}@example.com`, password }, req);
    const ws = await createWorkspace(workspaces, owner.user.id, { name: sentinel('ws-name') });
    const actor: Actor = { tenant: workspaceTenant(ws.id), memberId: owner.user.id, tier: ws.tier, role: 'OWNER' };
    await renameWorkspace(workspaces, actor, sentinel('ws-renamed'));

    const email = `${sentinel('ws-member-email').toLowerCase()}@example.com`;
    const member = await signup(identity, { email, password }, req);
    track(member.session.csrfToken);
    await addMember(workspaces, actor, member.user.id, 'USER');

    // sanity: readable through the domain
    const names = (await listWorkspaces(workspaces, member.user.id, member.user.id)).map((w) => w.name);
    if (!names.some((n) => n.startsWith('SENTINEL-ws-renamed'))) throw new Error('member does not see the renamed workspace');
    if ((await listMembers(workspaces, actor)).length !== 2) throw new Error('expected two members');

    for (const feature of workspaceSentinels) {
      await feature.run({ ...ctx, owner: actor, member: { userId: member.user.id, email }, identity, workspaces });
    }
  },
};
