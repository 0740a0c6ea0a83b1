/** Identity primitives: RFC 6238 vectors, token format, CSRF derivation, password policy, throttle delays. */
import { TOTP, Secret } from 'otpauth';
import { checkTotp } from '../../functions/identity/totp';
import { csrfMatches, csrfTokenFor, mintToken, parseToken, secretMatches } from '../../functions/identity/tokens';
import { assertStrongPassword, hashPassword, verifyPassword } from '../../functions/identity/password-policy';
import { delaySeconds } from '../../functions/identity/throttle';
import { deviceLabel } from '../../functions/identity/user-agent';
import { DomainError } from '../../functions/errors';

describe('TOTP (RFC 6238 appendix B, SHA-1, 8 digits)', () => {
  const secret = Secret.fromUTF8('12345678901234567890');
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('T=%i → %s', (seconds, expected) => {
    const totp = new TOTP({ secret, algorithm: 'SHA1', digits: 8, period: 30 });
    expect(totp.generate({ timestamp: seconds * 1000 })).toBe(expected);
  });

  it('accepts ±1 step and refuses a replayed or older step', () => {
    const b32 = new Secret({ size: 20 }).base32;
    const now = 1_700_000_000_000;
    const code = new TOTP({ secret: Secret.fromBase32(b32) }).generate({ timestamp: now });
    const step = checkTotp(b32, code, now);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(checkTotp(b32, code, now + 30_000)).toBe(step); // previous step still inside the window
    expect(checkTotp(b32, code, now + 90_000)).toBeUndefined(); // outside
    expect(checkTotp(b32, code, now, step)).toBeUndefined(); // replay
  });
});

describe('credentials', () => {
  it('mints prefixed tokens with ≥128-bit secrets and stores only a hash', () => {
    const { token, secretHash } = mintToken('session', 'user_AAAAAAAAAAAA', 'sess_BBBBBBBBBBBB');
    expect(token.startsWith('fv_sess_user_AAAAAAAAAAAA.sess_BBBBBBBBBBBB.')).toBe(true);
    const parsed = parseToken(token)!;
    expect(Buffer.from(parsed.secret, 'base64url')).toHaveLength(32);
    expect(secretHash).not.toContain(parsed.secret);
    expect(secretMatches(parsed.secret, secretHash)).toBe(true);
    expect(secretMatches(parsed.secret.slice(0, -1) + 'x', secretHash)).toBe(false);
  });

  it('rejects malformed and foreign-prefixed tokens', () => {
    expect(parseToken('fv_sess_a.b.c')).toBeUndefined();
    expect(parseToken('ghp_abcdef')).toBeUndefined();
    expect(parseToken(mintToken('apiKey', 'uuuuuuuu', 'kkkkkkkk').token)?.kind).toBe('apiKey');
  });

  it('derives the CSRF token from the session secret and compares it in constant time', () => {
    const secret = parseToken(mintToken('session', 'uuuuuuuu', 'ssssssss').token)!.secret;
    const csrf = csrfTokenFor(secret);
    expect(csrfMatches(secret, csrf)).toBe(true);
    expect(csrfMatches(secret, csrf.slice(1))).toBe(false);
    expect(csrfMatches(parseToken(mintToken('session', 'uuuuuuuu', 'ssssssss').token)!.secret, csrf)).toBe(false);
  });
});

describe('passwords', () => {
  it('hashes with Argon2id (OWASP parameters) and verifies', async () => {
    const hash = await hashPassword('a-long-enough-passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a-long-enough-passphrase')).toBe(true);
    expect(await verifyPassword(hash, 'a-long-enough-passphrasE')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });

  it('refuses short, common and email-derived passwords with field detail', async () => {
    const fieldOf = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        return (e as DomainError).options.fields?.[0]?.field;
      }
      return undefined;
    };
    expect(await fieldOf(() => assertStrongPassword('short', []))).toBe('password');
    expect(await fieldOf(() => assertStrongPassword('password123456', []))).toBe('password');
    expect(await fieldOf(() => assertStrongPassword('alice@example.com', ['alice@example.com', 'alice', 'example']))).toBe('password');
    expect(await fieldOf(() => assertStrongPassword('violet-Harbor-quantum-92-lantern', []))).toBeUndefined();
  });
});

describe('login throttle delays', () => {
  it('are free below the allowance, then double, capped at 15 minutes', () => {
    expect([0, 4].map((n) => delaySeconds(n, 5))).toEqual([0, 0]);
    expect([5, 6, 7].map((n) => delaySeconds(n, 5))).toEqual([2, 4, 8]);
    expect(delaySeconds(50, 5)).toBe(900);
  });
});

describe('device labels', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/150.0 Safari/537.36 Edg/150.0', 'Edge on Windows'],
    ['curl/8.5.0', 'curl'],
    ['', 'Unknown device'],
  ])('%s → %s', (ua, label) => expect(deviceLabel(ua)).toBe(label));
});
