/** Writes each message as JSON to a folder (the local runtime's outbox, shown by the dashboard). */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { OutboxEntry } from '../platform/outbox';
import type { Mailer } from './mailer';

export function outboxMailer(dir: string, now: () => number = Date.now): Mailer {
  return {
    async send(message) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const sentAt = new Date(now()).toISOString();
      const id = `${sentAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const entry: OutboxEntry = { id, sentAt, ...message };
      // Written aside, then renamed: a reader (the outbox route, the local stack's terminal log) never sees half a mail.
      const partial = join(dir, `${id}.partial`);
      await writeFile(partial, JSON.stringify(entry, null, 2), { mode: 0o600 });
      await rename(partial, join(dir, `${id}.json`));
    },
  };
}

/** The newest `limit` mails addressed to `to` (compared case-insensitively), newest first. */
export async function readOutbox(dir: string, to: string, limit = 50): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  names.sort().reverse();
  const recipient = to.toLowerCase();
  const mine: OutboxEntry[] = [];
  for (const n of names) {
    if (mine.length === limit) break;
    const entry = JSON.parse(await readFile(join(dir, n), 'utf8')) as OutboxEntry;
    if (entry.to.toLowerCase() === recipient) mine.push(entry);
  }
  return mine;
}
