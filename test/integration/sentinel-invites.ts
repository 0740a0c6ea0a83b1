/**
 * Invites' sentinel entry (sentinel-workspaces.ts): a pending invite to a
 * sentinel email, resent (a second token), and another accepted by the user
 * signed up with its sentinel email. Tokens are generated secrets: tracked,
 * so the scan fails if one (not only its hash) reaches the table or backup.
 */
import { signup } from '../../functions/identity/accounts';
import type { MailMessage } from '../../functions/mail/mailer';
import { acceptInvite, createInvite, resendInvite, type InviteDeps } from '../../functions/workspaces/invites';
import { createWorkspaceStore } from '../../functions/workspaces/store';
import type { WorkspaceSentinel } from './sentinel-workspaces';

export const inviteSentinel: WorkspaceSentinel = {
  name: 'invites: invitee emails, invite tokens (created, resent, accepted)',
  async run(ctx) {
    const sent: MailMessage[] = [];
    const deps: InviteDeps = { ...ctx.workspaces, blind: ctx.dl.blind, mailer: { send: async (m) => void sent.push(m) }, publicUrl: 'http://127.0.0.1' };
    const lastToken = () => {
      const token = /#token=(\S+)/.exec(sent[sent.length - 1]!.text)![1]!;
      ctx.track(decodeURIComponent(token));
      return decodeURIComponent(token);
    };
    const joining = `${ctx.sentinel('invite-accepted-email').toLowerCase()}@example.com`;
    await createInvite(deps, ctx.owner, { email: joining, role: 'USER' });
    const user = await signup(ctx.identity, { email: joining, password: `${ctx.sentinel('invite-password')}-Correct-Horse` }, { requestId: 'sentinel', ip: '203.0.113.9', userAgent: 'sentinel' });
    ctx.track(user.session.csrfToken);
    await acceptInvite(deps, { userId: user.user.id, email: joining }, lastToken());

    // A free workspace seats 3 (owner, member, the accepted invitee): base, for the pending one.
    const store = createWorkspaceStore(ctx.dl.repo);
    await store.setTier(ctx.owner.tenant.id, 'base', (await store.getWorkspace(ctx.owner.tenant.id))!.version);
    const pending = await createInvite(deps, ctx.owner, { email: `${ctx.sentinel('invite-pending-email').toLowerCase()}@example.com`, role: 'ADMIN' });
    lastToken();
    await resendInvite(deps, ctx.owner, pending.id);
    lastToken();
  },
};
