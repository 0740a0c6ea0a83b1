/** Outbound mail port: SES in AWS, an outbox folder locally (chosen by MAIL_TRANSPORT). */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
