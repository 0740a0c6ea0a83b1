/** Per-IP allowances for unauthenticated actions (sign-up, reset mail), against DynamoDB Local. */
import { randomBytes } from 'node:crypto';
import { DEFAULT_IDENTITY_CONFIG, type IdentityDeps } from '../../functions/identity/deps';
import { countApiRequest, countPerIp } from '../../functions/identity/throttle';
import { DomainError } from '../../functions/errors';
import { layer } from './data-fixtures';

function deps(now: () => number): IdentityDeps {
  const dl = layer();
  return {
    repo: dl.repo,
    table: dl.table,
    blind: dl.blind,
    audit: dl.audit,
    mailer: { send: async () => undefined },
    now,
    config: { ...DEFAULT_IDENTITY_CONFIG, publicUrl: 'http://127.0.0.1' },
  };
}

it('allows `limit` actions per address per window, then 429 with Retry-After until the next window', async () => {
  let t = Date.UTC(2026, 10, 22, 10, 0, 0);
  const d = deps(() => t);
  const ip = `198.51.100.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`;
  for (let i = 0; i < 3; i++) await countPerIp(d, 'signup', ip, 3, 3600_000);
  const err = await countPerIp(d, 'signup', ip, 3, 3600_000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe('rate-limited');
  expect((err as DomainError).options.retryAfterSeconds).toBe(3600);
  // Another address and another action are counted apart.
  await countPerIp(d, 'signup', `${ip}-other`, 3, 3600_000);
  await countPerIp(d, 'password-reset', ip, 3, 3600_000);
  t += 3600_000;
  await countPerIp(d, 'signup', ip, 3, 3600_000);
});

it("counts each user's API requests per minute against the tier allowance", async () => {
  let t = Date.UTC(2026, 10, 22, 10, 0, 30);
  const d = deps(() => t);
  const user = `u${randomBytes(6).toString('hex')}`;
  for (let i = 0; i < 5; i++) await countApiRequest(d, user, 5);
  const err = (await countApiRequest(d, user, 5).catch((e: unknown) => e)) as DomainError;
  expect(err.kind).toBe('rate-limited');
  expect(err.options.retryAfterSeconds).toBe(30);
  expect(err.options.extra).toMatchObject({ limit: 5 });
  await countApiRequest(d, `${user}x`, 5); // another user is counted apart
  t += 30_000; // next minute
  await countApiRequest(d, user, 5);
});
