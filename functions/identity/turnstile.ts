/**
 * Bot protection: Cloudflare Turnstile on signup, magic-link and password-reset requests, verified
 * server-side with the siteverify API (docs/security.md "Bot protection";
 * https://developers.cloudflare.com/turnstile/get-started/server-side-validation/). Off unless the
 * stage sets a site key and a secret. Fails closed: no token → 400, a refused token → 403, and a
 * siteverify that does not answer → 503 + Retry-After, never a pass.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import { loadEnv } from '../platform/env';

export interface TurnstileSettings {
  readonly siteKey: string;
  readonly secretKey: string;
  readonly siteverifyUrl: string;
  readonly scriptUrl: string;
}

export interface TurnstilePort {
  /** Absent: Turnstile is off for this stage. */
  readonly settings?: TurnstileSettings;
  readonly fetch: typeof fetch;
  /** Per siteverify attempt; two attempts stay far below the API's 29 s. */
  readonly timeoutMs: number;
}

/** The stage's Turnstile settings from the `turnstile` need; one of site key and secret alone fails the cold start. */
export function turnstileFromEnv(source: NodeJS.ProcessEnv = process.env): TurnstilePort {
  const env = loadEnv(['turnstile'], source);
  if (Boolean(env.TURNSTILE_SITE_KEY) !== Boolean(env.TURNSTILE_SECRET_KEY)) {
    throw new Error('flarevault: invalid environment (TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY must be set together)');
  }
  const settings =
    env.TURNSTILE_SITE_KEY && env.TURNSTILE_SECRET_KEY
      ? { siteKey: env.TURNSTILE_SITE_KEY, secretKey: env.TURNSTILE_SECRET_KEY, siteverifyUrl: env.TURNSTILE_SITEVERIFY_URL, scriptUrl: env.TURNSTILE_SCRIPT_URL }
      : undefined;
  return { settings, fetch: (...a) => fetch(...a), timeoutMs: 3_000 };
}

/** What the dashboard needs to render the widget (null: off). */
export const widgetOf = (port: TurnstilePort) =>
  port.settings ? { siteKey: port.settings.siteKey, scriptUrl: port.settings.scriptUrl } : null;

/** Siteverify's answer (the fields we read). */
interface Outcome {
  readonly success: boolean;
  readonly errorCodes: readonly string[];
}

/** Codes that say our request or our secret is wrong: the visitor can do nothing about them. */
const OUR_FAULT = new Set(['missing-input-secret', 'invalid-input-secret', 'bad-request']);
const RETRY_AFTER_SECONDS = 5;

const tokenIssue = (message: string, code: string) => [{ in: 'body' as const, field: 'turnstileToken', message, code }];

/**
 * Throws unless `token` passes siteverify (a no-op when the stage has Turnstile off). One
 * idempotency key per check, so the one retry after a network failure or a 5xx cannot be
 * refused as a duplicate of an attempt Cloudflare did see.
 */
export async function requireHuman(port: TurnstilePort, token: string | undefined, remoteIp: string): Promise<void> {
  const settings = port.settings;
  if (!settings) return;
  if (!token) {
    throw new DomainError('invalid', 'This request needs a Turnstile token: complete the bot check and send it again', {
      code: 'turnstile-required',
      fields: tokenIssue('is required: complete the bot check', 'missing-input-response'),
    });
  }
  const idempotencyKey = randomUUID();
  let outcome: Outcome | Error = new Error('not called');
  for (let attempt = 0; attempt < 2 && outcome instanceof Error; attempt++) {
    outcome = await siteverify(port, settings, { response: token, remoteip: remoteIp, idempotency_key: idempotencyKey });
  }
  if (outcome instanceof Error) throw unavailable('Turnstile verification is unavailable right now: try again shortly', outcome);
  if (outcome.success) return;
  const codes = outcome.errorCodes;
  if (codes.some((c) => OUR_FAULT.has(c))) {
    // Our secret or request is wrong (e.g. a production secret against the local endpoint): not the visitor's fault.
    const cause = new Error(`siteverify refused our request: ${codes.join(', ')}`);
    throw unavailable('Turnstile verification is misconfigured on this deployment', cause, 'turnstile-misconfigured', 60);
  }
  if (codes.includes('timeout-or-duplicate')) {
    throw new DomainError('forbidden', 'The Turnstile token has expired or was already used: complete the bot check again', {
      code: 'turnstile-expired',
      fields: tokenIssue('has expired or was already used', 'timeout-or-duplicate'),
    });
  }
  throw new DomainError('forbidden', 'The Turnstile check failed: complete the bot check again', {
    code: 'turnstile-failed',
    fields: tokenIssue(`was refused (${codes.join(', ') || 'no error code'})`, codes[0] ?? 'invalid-input-response'),
  });
}

const unavailable = (message: string, cause: Error, code = 'turnstile-unavailable', retryAfterSeconds = RETRY_AFTER_SECONDS) =>
  new DomainError('unavailable', message, { code, retryAfterSeconds, cause });

const noAnswer = (why: string, cause?: unknown) => Object.assign(new Error(`siteverify: ${why}`, { cause }), { name: 'TurnstileSiteverifyUnavailable' });

/** One siteverify call; an Error when it did not answer usably (network, timeout, 5xx, not JSON, `internal-error`). */
async function siteverify(port: TurnstilePort, settings: TurnstileSettings, fields: Record<string, string>): Promise<Outcome | Error> {
  let res: Response;
  try {
    res = await port.fetch(settings.siteverifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: settings.secretKey, ...fields }),
      signal: AbortSignal.timeout(port.timeoutMs),
    });
  } catch (e) {
    return noAnswer('no answer', e);
  }
  if (res.status >= 500) return noAnswer(`HTTP ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    return noAnswer(`HTTP ${res.status}, not JSON`, e);
  }
  if (typeof body !== 'object' || body === null || typeof (body as { success?: unknown }).success !== 'boolean') return noAnswer('no success field');
  const rawCodes = (body as { 'error-codes'?: unknown })['error-codes'];
  const errorCodes = Array.isArray(rawCodes) ? rawCodes.filter((c): c is string => typeof c === 'string') : [];
  if (errorCodes.includes('internal-error')) return noAnswer('internal-error');
  return { success: (body as { success: boolean }).success, errorCodes };
}
