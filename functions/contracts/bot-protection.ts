import * as z from 'zod';
import { defineRoute } from './route';

/**
 * The Turnstile widget's token, sent in the body of the protected requests (signup, magic link,
 * password-reset request). Optional in the schema: required only when the stage turns Turnstile on
 * (400 `turnstile-required` naming the field otherwise). Cloudflare's tokens are at most 2048 chars.
 */
export const TurnstileToken = z.string().min(1).max(2048);

/** What the dashboard needs to show the widget; `turnstile: null` when the stage has it off. */
export const BotProtection = z.object({
  turnstile: z
    .object({
      /** The widget's public site key. */
      siteKey: z.string(),
      /** The widget script to load (Cloudflare's api.js; locally, the local runtime's stand-in). */
      scriptUrl: z.string(),
    })
    .nullable(),
});

export const getBotProtection = defineRoute({
  operationId: 'getBotProtection',
  method: 'GET',
  path: '/api/v1/auth/bot-protection',
  fn: 'auth',
  auth: 'public',
  summary: 'Whether signup, magic-link and password-reset requests need a Turnstile token, and the widget site key',
  tags: ['auth'],
  response: BotProtection,
});
