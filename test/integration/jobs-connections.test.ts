/**
 * Disconnecting a Cloudflare account stops its token at once. The jobs engine
 * reuses a container's Cloudflare client per account, but every use checks the
 * stored account first: after a disconnect the next call — in the same warm
 * container (HTTP: the local gateway runs handlers in-process, like a warm
 * Lambda) or in any other one — is 404 and never reaches Cloudflare.
 */
import { randomBytes } from 'node:crypto';
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { removeAccount } from '../../functions/cloudflare/accounts';
import { cfAccountSk, CloudflareAccountEntity } from '../../functions/cloudflare/entities';
import { userTenant } from '../../functions/tenancy/tenant';
import { createConnectionCache } from '../../functions/cloudflare/connections';
import { planOverHttp } from '../support/jobs-http';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';

jest.setTimeout(120_000);

const ACCOUNTS = '/api/v1/cloudflare/accounts';
const SANDBOX_ORIGIN = new URL(process.env.CLOUDFLARE_SANDBOX_URL!).origin;
const ADMIN_TOKEN = process.env.CLOUDFLARE_SANDBOX_ADMIN_TOKEN!;

async function sandboxLog(since = 0): Promise<{ entries: Array<{ tokenHint: string | null; path: string }>; lastSeq: number }> {
  const res = await fetch(`${SANDBOX_ORIGIN}/__sandbox/log?since=${since}`, { headers: { 'x-sandbox-admin': ADMIN_TOKEN } });
  return res.json() as Promise<{ entries: Array<{ tokenHint: string | null; path: string }>; lastSeq: number }>;
}

describe('disconnecting a Cloudflare account', () => {
  it('over HTTP: the next job call after the disconnect is 404 and sends nothing with the token', async () => {
    const u = await signUpWithToken();
    const account = (await call('POST', ACCOUNTS, { token: u.token, body: { name: 'Soon gone', sandbox: true } })).body.account;
    const zoneId = (await call('GET', `${ACCOUNTS}/${account.id}/zones`, { token: u.token })).body.zones[0].id;
    const body = { kind: 'dns-delete', accountId: account.id, zones: [zoneId], params: { match: { types: ['TXT'] } } };
    // The jobs function (and the tier worker, which plans) now holds this account's connection.
    const planned = await planOverHttp(u.token, body);
    expect([planned.status, planned.body.job.status]).toEqual([201, 'planned']);

    expect((await call('DELETE', `${ACCOUNTS}/${account.id}`, { token: u.token })).status).toBe(204);
    const { lastSeq } = await sandboxLog();
    const again = await call('POST', '/api/v1/jobs', { token: u.token, body });
    expect([again.status, again.body.type]).toEqual([404, expect.stringMatching(/cloudflare-account-not-found$/)]);
    expect((await sandboxLog(lastSeq)).entries.filter((e) => e.tokenHint === account.tokenHint)).toEqual([]);
  });

  describe('in two warm containers', () => {
    let sb: CloudflareSandbox;
    beforeAll(async () => {
      sb = await startCloudflareSandbox({ seed: { zones: 1, recordsPerZone: 3, plan: 'free' } });
    });
    afterAll(() => sb.close());

    it('both stop at once, whichever handled the disconnect; a changed account gets a fresh client', async () => {
      const dl = dataLayer();
      const ports = { repo: dl.repo, table: dl.table, cloudflare: { sandboxUrl: sb.url } };
      const userId = `u${randomBytes(8).toString('hex')}`;
      const tenant = userTenant(userId);
      const accountId = `acc${randomBytes(6).toString('hex')}`;
      const token = sb.tokens[0]!.value;
      const now = new Date().toISOString();
      await dl.repo.create(userTenant(userId), CloudflareAccountEntity, cfAccountSk(accountId), {
        name: 'two containers', token, tokenHint: token.slice(-4), kind: 'sandbox', status: 'active', statusDetail: null, createdAt: now, verifiedAt: now,
      });
      const tokenCalls = () => sb.log.entries().filter((e) => e.tokenHint === token.slice(-4)).length;
      const [a, b] = [createConnectionCache(ports), createConnectionCache(ports)];

      const [apiA, apiB] = await Promise.all([a(tenant, accountId), b(tenant, accountId)]);
      await Promise.all([apiA.listZones({ nameContains: '.' }), apiB.listZones({ nameContains: '.' })]);
      expect(await a(tenant, accountId)).toBe(apiA); // reused while the account is unchanged

      const stored = await dl.repo.get(userTenant(userId), CloudflareAccountEntity, cfAccountSk(accountId));
      await dl.repo.update(userTenant(userId), CloudflareAccountEntity, cfAccountSk(accountId), { status: 'needs-attention', statusDetail: 'flagged' }, { expectedVersion: stored!.version });
      expect(await a(tenant, accountId)).not.toBe(apiA);

      // Container A handles the disconnect; B must not keep sending the token.
      await removeAccount(
        { ...ports, audit: dl.audit, now: Date.now },
        { tenant, memberId: userId, tier: 'free', role: 'OWNER' },
        { label: `user#${userId}`, requestId: 'test', ip: '127.0.0.1', userAgent: 'jest' },
        accountId,
      );
      const sent = tokenCalls();
      const results = await Promise.allSettled([a(tenant, accountId), b(tenant, accountId)]);
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { kind?: string }).kind : 'connected'))).toEqual(['not-found', 'not-found']);
      expect(tokenCalls()).toBe(sent);
    });
  });
});
