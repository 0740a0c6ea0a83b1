/**
 * Siteverify as Cloudflare documents it for its test keys, and no kinder: only the three documented
 * test secrets exist here (any other secret, a production one included, is `invalid-input-secret`),
 * the test secrets accept only the dummy token, and a missing input is named as Cloudflare names it.
 * Sources (docs/cloudflare-sandbox.md "Turnstile siteverify"):
 * https://developers.cloudflare.com/turnstile/troubleshooting/testing/ (keys, dummy token, answers) and
 * https://developers.cloudflare.com/turnstile/get-started/server-side-validation/ (parameters, error codes, 2048 chars).
 */

/** Cloudflare's dummy secret keys and what each always answers. */
export const TEST_SECRET_KEYS = {
  pass: '1x0000000000000000000000000000000AA',
  fail: '2x0000000000000000000000000000000AA',
  spent: '3x0000000000000000000000000000000AA',
} as const;
/** Cloudflare's dummy site keys (visible widgets). */
export const TEST_SITE_KEYS = { pass: '1x00000000000000000000AA', fail: '2x00000000000000000000AB' } as const;
/** What the dummy site keys' widgets hand the browser. */
export const DUMMY_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SiteverifyAnswer {
  success: boolean;
  'error-codes': string[];
  challenge_ts?: string;
  hostname?: string;
  action?: string;
  cdata?: string;
}

const fail = (...codes: string[]): SiteverifyAnswer => ({ success: false, 'error-codes': codes });

/** The answer to one siteverify request's parameters (already decoded from JSON or a form). */
export function siteverify(params: Record<string, unknown>, now: Date = new Date()): SiteverifyAnswer {
  const secret = typeof params.secret === 'string' && params.secret !== '' ? params.secret : undefined;
  const response = typeof params.response === 'string' && params.response !== '' ? params.response : undefined;
  const missing = [...(secret ? [] : ['missing-input-secret']), ...(response ? [] : ['missing-input-response'])];
  if (missing.length) return fail(...missing);
  const key = params.idempotency_key;
  if (key !== undefined && (typeof key !== 'string' || !UUID.test(key))) return fail('bad-request');
  switch (secret) {
    case TEST_SECRET_KEYS.pass:
      // Test secrets accept only the dummy token; anything else (a real token, garbage, over 2048 chars) is refused.
      if (response !== DUMMY_TOKEN) return fail('invalid-input-response');
      return { success: true, 'error-codes': [], challenge_ts: now.toISOString(), hostname: 'localhost', action: '', cdata: '' };
    case TEST_SECRET_KEYS.fail:
      return fail('invalid-input-response');
    case TEST_SECRET_KEYS.spent:
      return fail('timeout-or-duplicate');
    default:
      return fail('invalid-input-secret');
  }
}
