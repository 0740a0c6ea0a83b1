/**
 * The local outbox's file format (MAIL_TRANSPORT=outbox): one JSON file per mail,
 * written by functions/mail/outbox.ts, read by the outbox route and by the local
 * runtime's terminal log (lib/local/outbox-log.ts).
 */
export interface OutboxEntry {
  readonly id: string;
  readonly sentAt: string;
  /** The MailMessage (functions/mail/mailer.ts) as sent. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}
