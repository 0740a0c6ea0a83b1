/** Writes each message as JSON to a folder (the local runtime's outbox, shown by the dashboard). */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Mailer, MailMessage } from './mailer';

export interface OutboxEntry extends MailMessage {
  readonly id: string;
  readonly sentAt: string;
}

export function outboxMailer(dir: string, now: () => number = Date.now): Mailer {
  return {
    async send(message) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const sentAt = new Date(now()).toISOString();
      const id = `${sentAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const entry: OutboxEntry = { id, sentAt, ...message };
      await writeFile(join(dir, `${id}.json`), JSON.stringify(entry, null, 2), { mode: 0o600 });
    },
  };
}

export async function readOutbox(dir: string, limit = 50): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  names.sort().reverse();
  return Promise.all(names.slice(0, limit).map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as OutboxEntry));
}
