/**
 * Issue 13 items 3 and 10, against a test-owned sandbox reached over HTTP by the official SDK
 * (token accounts: CLOUDFLARE_BASE_URL set in this process, as in cloudflare-api-ratelimit.test.ts):
 *
 * - account-owned API tokens verify only at /accounts/{id}/tokens/verify (the user endpoint
 *   answers 401 1000): connecting one works, the owner and Cloudflare account are stored, and
 *   re-verification goes straight to the account endpoint and keeps it healthy; a revoked one is
 *   flagged; user tokens are verified as before;
 * - 9109 "Cannot use the access token from location: <ip>" (a token's client IP filter) tells the
 *   user the token may be restricted to other IP addresses, not "connect again";
 * - `error_chain` (the reason behind 1004 "DNS Validation Error") reaches the problem.
 */
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { connectAccount, listAccounts, verifyAccount, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { cfAccountSk, CloudflareAccountEntity } from '../../functions/cloudflare/entities';
import { tokenKeyHash } from '../../functions/cloudflare/budget-keys';
import { connectionOf } from '../../functions/cloudflare/client';
import { createRecord, listZones } from '../../functions/cloudflare/dns';
import { layer } from './data-fixtures';
import { actorFor, audit, caught } from './cloudflare-fixtures';

let sb: CloudflareSandbox;
const previousBaseUrl = process.env.CLOUDFLARE_BASE_URL;
const dl = layer();
const deps: CloudflareDeps = { repo: dl.repo, table: dl.table, audit: dl.audit, cloudflare: {}, now: Date.now };



/** Verify calls the sandbox saw from one token since `seq`. */
function verifyPaths(hint: string, since: number): string[] {
  return sb.log
    .entries(since)
    .filter((e) => e.tokenHint === hint && /tokens\/verify/.test(e.path))
    .map((e) => e.path);
}
const lastSeq = () => sb.log.entries().at(-1)?.seq ?? 0;

let cfAccountId: string;

beforeAll(async () => {
  sb = await startCloudflareSandbox({ seed: { zones: 2, recordsPerZone: 3, plan: 'pro' } });
  process.env.CLOUDFLARE_BASE_URL = sb.url;
  cfAccountId = [...sb.state.accounts.values()][0]!.id;
});

afterAll(async () => {
  if (previousBaseUrl === undefined) delete process.env.CLOUDFLARE_BASE_URL;
  else process.env.CLOUDFLARE_BASE_URL = previousBaseUrl;
  await sb?.close();
});

describe('sandbox: account-owned and IP-filtered tokens', () => {
  it('answers 401 1000 on /user/tokens/verify for an account-owned token, and verifies it at its account', async () => {
    const tok = sb.addToken({ name: 'account token', accounts: [cfAccountId], owner: 'account' });
    const auth = { authorization: `Bearer ${tok.value}` };
    const user = await fetch(`${sb.url}/user/tokens/verify`, { headers: auth });
    expect(user.status).toBe(401);
    expect(((await user.json()) as any).errors[0]).toMatchObject({ code: 1000, message: 'Invalid API Token' });
    const acc = await fetch(`${sb.url}/accounts/${cfAccountId}/tokens/verify`, { headers: auth });
    expect(acc.status).toBe(200);
    expect(((await acc.json()) as any).result).toMatchObject({ id: tok.id, status: 'active' });
    const list = await fetch(`${sb.url}/accounts`, { headers: auth });
    expect(((await list.json()) as any).result.map((a: { id: string }) => a.id)).toEqual([cfAccountId]);
  });

  it('refuses a token used from outside its client IP filter with 403 9109 naming the location', async () => {
    const tok = sb.addToken({ name: 'ip filtered', condition: { request_ip: { in: ['192.0.2.0/24'] } } });
    const allowed = sb.addToken({ name: 'ip allowed', condition: { request_ip: { in: ['127.0.0.0/8', '::1/128'] } } });
    for (const path of ['/zones', '/user/tokens/verify']) {
      const res = await fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${tok.value}` } });
      expect(res.status).toBe(403);
      const body = (await res.json()) as any;
      expect(body.errors[0].code).toBe(9109);
      expect(body.errors[0].message).toMatch(/^Cannot use the access token from location: (127\.0\.0\.1|::1)$/);
    }
    const ok = await fetch(`${sb.url}/zones`, { headers: { authorization: `Bearer ${allowed.value}` } });
    expect(ok.status).toBe(200);
  });
});

describe('account-owned API tokens', () => {
  it('connects an account-owned token, stores its owner and account, re-verifies it at the account endpoint only', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'integration', accounts: [cfAccountId], owner: 'account' });
    const account = await connectAccount(deps, actor, audit, { name: 'Account token', token: tok.value });
    expect(account).toMatchObject({ status: 'active', sandbox: false, tokenHint: tok.value.slice(-4) });

    const stored = await dl.repo.get(actor.tenant, CloudflareAccountEntity, cfAccountSk(account.id), { consistent: true });
    expect(stored).toMatchObject({ tokenOwner: 'account', cfAccountId, cfTokenId: tok.id });

    const since = lastSeq();
    const again = await verifyAccount(deps, actor, audit, account.id);
    expect(again).toMatchObject({ status: 'active', statusDetail: null });
    expect(verifyPaths(tok.value.slice(-4), since)).toEqual([`/accounts/${cfAccountId}/tokens/verify`]);
    // and it works for zones
    const zones = await listZones(deps, actor, account.id, { page: 1, perPage: 20 });
    expect(zones.zones.length).toBeGreaterThan(0);
  });

  it('flags a revoked account-owned token as needing attention', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'integration', accounts: [cfAccountId], owner: 'account' });
    const account = await connectAccount(deps, actor, audit, { name: 'Account token', token: tok.value });
    sb.state.revokeToken(tok.value);
    const v = await verifyAccount(deps, actor, audit, account.id);
    expect(v.status).toBe('needs-attention');
    expect(v.statusDetail).toMatch(/1000 Invalid API Token/);
    expect((await listAccounts(deps, actor))[0]).toMatchObject({ id: account.id, status: 'needs-attention' });
  });

  it('verifies user tokens at the user endpoint as before, and refuses a bad token with the user endpoint’s reason', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'user token' });
    const since = lastSeq();
    const account = await connectAccount(deps, actor, audit, { name: 'User token', token: tok.value });
    expect(account.status).toBe('active');
    expect(await dl.repo.get(actor.tenant, CloudflareAccountEntity, cfAccountSk(account.id), { consistent: true })).toMatchObject({ tokenOwner: 'user' });
    const since2 = lastSeq();
    expect((await verifyAccount(deps, actor, audit, account.id)).status).toBe('active');
    expect(verifyPaths(tok.value.slice(-4), since)).toEqual(['/user/tokens/verify', '/user/tokens/verify']);
    expect(verifyPaths(tok.value.slice(-4), since2)).toEqual(['/user/tokens/verify']);

    sb.state.revokeToken(tok.value);
    const v = await verifyAccount(deps, actor, audit, account.id);
    expect(v.status).toBe('needs-attention');
    expect(v.statusDetail).toMatch(/1000 Invalid API Token/);

    const bad = await caught(connectAccount(deps, actor, audit, { name: 'Bad', token: 'y'.repeat(40) }));
    expect(bad.options.code).toBe('cloudflare-token-invalid');
    expect(bad.message).toMatch(/1000 Invalid API Token/);
  });
});

describe('error 9109 from a location, error_chain', () => {
  it('tells the user an IP-filtered token may be restricted to other IP addresses, not to connect again', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'soon filtered' });
    const account = await connectAccount(deps, actor, audit, { name: 'Filtered', token: tok.value });
    sb.state.tokens.get(tok.value)!.condition = { request_ip: { in: ['192.0.2.0/24'] } };

    const err = await caught(listZones(deps, actor, account.id, { page: 1, perPage: 20 }));
    expect(err.options.code).toBe('cloudflare-token-rejected');
    expect(err.options.extra).toMatchObject({ accountStatus: 'needs-attention', tokenRestriction: 'ip' });
    expect(err.message).toMatch(/restricted to other IP addresses/);
    expect(err.message).toMatch(/Cannot use the access token from location/);
    expect(err.message).not.toMatch(/connect it again/);

    const [flagged] = await listAccounts(deps, actor);
    expect(flagged!.status).toBe('needs-attention');
    expect(flagged!.statusDetail).toMatch(/restricted to other IP addresses/);

    const refused = await caught(connectAccount(deps, actor, audit, { name: 'Filtered again', token: tok.value }));
    expect(refused.options.code).toBe('cloudflare-token-invalid');
    expect(refused.message).toMatch(/restricted to other IP addresses/);
  });

  it('puts the reason behind 1004 DNS Validation Error (error_chain) into the problem', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'writer' });
    const account = await connectAccount(deps, actor, audit, { name: 'Writer', token: tok.value });
    const zone = [...sb.state.zones.values()][0]!.zone;
    const err = await caught(createRecord(deps, actor, account.id, zone.id, { type: 'A', name: `bad.${zone.name}`, content: 'not-an-ip' }));
    expect(err.options.code).toBe('cloudflare-rejected');
    const cf = (err.options.extra as any).cloudflare;
    expect(cf.errors[0].code).toBe(1004);
    expect(cf.errors[0].error_chain[0].code).toBe(9005);
    expect(err.message).toMatch(/1004 DNS Validation Error \(9005 [^)]+\)/);
  });
});

describe('the request budget a token spends (issue 13 item 5)', () => {
  it('learns the Cloudflare user behind a user token that may read it (GET /user), stores it, and keys the budget by it', async () => {
    const actor = actorFor();
    const user = 'c'.repeat(31) + String(Date.now() % 10);
    const t1 = sb.addToken({ name: 'dns 1', user, userDetails: true });
    const t2 = sb.addToken({ name: 'dns 2', user, userDetails: true });
    const noUserRead = sb.addToken({ name: 'dns only', user });
    const accountTok = sb.addToken({ name: 'account token', accounts: [cfAccountId], owner: 'account', user });
    const stored = [];
    for (const t of [t1, t2, noUserRead, accountTok]) {
      const a = await connectAccount(deps, actor, audit, { name: t.name, token: t.value });
      stored.push((await dl.repo.get(actor.tenant, CloudflareAccountEntity, cfAccountSk(a.id), { consistent: true }))!);
    }
    const [s1, s2, s3, s4] = stored as [(typeof stored)[number], (typeof stored)[number], (typeof stored)[number], (typeof stored)[number]];
    expect([s1.cfUserId, s2.cfUserId, s3.cfUserId, s4.cfUserId]).toEqual([user, user, undefined, undefined]);
    const key = (s: typeof s1) => connectionOf(deps, s).budgetKey!;
    // Both tokens of the user spend one budget, keyed by a hash (no id in it).
    expect(key(s1)).toBe(key(s2));
    expect(key(s1)).toMatch(/^user:[\w-]{43}$/);
    // The user unknown: the token's own budget (the limiter adapts from the Ratelimit headers).
    expect(key(s3)).toBe(tokenKeyHash(noUserRead.value));
    // An account-owned token spends its account's budget.
    expect(key(s4)).toMatch(/^account:[\w-]{43}$/);
    expect(new Set([key(s1), key(s3), key(s4)]).size).toBe(3);

    // Re-verification keeps what it learned; the user endpoint is asked again.
    const since = lastSeq();
    await verifyAccount(deps, actor, audit, s1.sk.slice('CFACCT#'.length));
    expect(sb.log.entries(since).filter((e) => e.tokenHint === t1.value.slice(-4)).map((e) => e.path)).toEqual(['/user/tokens/verify', '/user']);
    expect((await dl.repo.get(actor.tenant, CloudflareAccountEntity, s1.sk, { consistent: true }))!.cfUserId).toBe(user);
  });
});
