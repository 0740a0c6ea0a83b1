/**
 * Prints each new mail of the local outbox (recipient, subject, links) to the
 * terminal running the stack. The outbox route shows a signed-in user their
 * own mail only, so someone who forgot their password finds the reset link
 * here (or in the outbox folder). The terminal is as private as that folder.
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { OutboxEntry } from '../../functions/platform/outbox';

export interface OutboxWatcher {
  stop(): void;
}

/** One line per mail: `  mail      to <to>: <subject>  <link> <link>…` */
export function outboxLogLine(m: OutboxEntry): string {
  const links = m.text.match(/https?:\/\/\S+/g) ?? [];
  return [`  mail      to ${m.to}: ${m.subject}`, ...links].join('  ');
}

/** Calls `onMail` for every mail that lands in `dir` from now on (the mailer renames complete files into place). */
export function watchOutbox(dir: string, onMail: (m: OutboxEntry) => void): OutboxWatcher {
  const seen = new Set<string>();
  const watcher = watch(dir, (_event, name) => {
    if (!name?.endsWith('.json') || seen.has(name)) return;
    const file = join(dir, name);
    if (!existsSync(file)) return;
    seen.add(name);
    try {
      onMail(JSON.parse(readFileSync(file, 'utf8')) as OutboxEntry);
    } catch {
      /* not a mail of ours: the dashboard's outbox and the folder still have it */
    }
  });
  return { stop: () => watcher.close() };
}
