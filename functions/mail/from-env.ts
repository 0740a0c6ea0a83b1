import type { Env } from '../platform/env';
import type { Mailer } from './mailer';
import { outboxMailer } from './outbox';
import { sesMailer } from './ses';

export function mailerFromEnv(env: Env<'mail'>): Mailer {
  if (env.MAIL_TRANSPORT === 'ses') return sesMailer(env.MAIL_FROM);
  if (!env.MAIL_OUTBOX_DIR) throw new Error('flarevault: MAIL_OUTBOX_DIR is required when MAIL_TRANSPORT=outbox');
  return outboxMailer(env.MAIL_OUTBOX_DIR);
}
