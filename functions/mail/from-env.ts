import type { Env } from '../platform/env';
import type { Mailer } from './mailer';
import { outboxMailer } from './outbox';

export function mailerFromEnv(env: Env<'mail'>): Mailer {
  if (env.MAIL_TRANSPORT === 'ses') return lazySesMailer(env.MAIL_FROM);
  if (!env.MAIL_OUTBOX_DIR) throw new Error('flarevault: MAIL_OUTBOX_DIR is required when MAIL_TRANSPORT=outbox');
  return outboxMailer(env.MAIL_OUTBOX_DIR);
}

/** The SES client loads with the first mail, not at cold start: most requests send none. */
function lazySesMailer(from: string): Mailer {
  let ses: Promise<Mailer> | undefined;
  return {
    async send(message) {
      ses ??= import('./ses').then((m) => m.sesMailer(from));
      ses.catch(() => (ses = undefined));
      await (await ses).send(message);
    },
  };
}
