/**
 * A job's items as a diff for people: per zone, `+` create, `~` update with each changed field
 * `old → new`, `-` delete, skipped items dimmed with their reason, failed ones with Cloudflare's
 * error, then a summary line. Pure: colour comes in as a `Paint` (plain when not on a TTY).
 */
import type { Job, JobItem } from './api';

export type Style = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';
export type Paint = (style: Style, text: string) => string;
export const plain: Paint = (_style, text) => text;

export interface PlanCounts {
  create: number;
  update: number;
  delete: number;
  /** Settings changes and purges (other job kinds). */
  other: number;
  skipped: number;
  failed: number;
  done: number;
}

/** Counts of the items: planned changes by action (skipped ones apart), and results once applied. */
export function countItems(items: readonly JobItem[]): PlanCounts {
  const c: PlanCounts = { create: 0, update: 0, delete: 0, other: 0, skipped: 0, failed: 0, done: 0 };
  for (const it of items) {
    if (it.status === 'skipped') {
      c.skipped++;
      continue;
    }
    if (it.action === 'create' || it.action === 'update' || it.action === 'delete') c[it.action]++;
    else c.other++;
    if (it.status === 'failed') c.failed++;
    if (it.status === 'done') c.done++;
  }
  return c;
}

export const changesOf = (c: PlanCounts) => c.create + c.update + c.delete + c.other;

/** "2 to create, 1 to update, 1 to delete, 3 skipped" (only the non-zero parts; "no changes"). */
export function describeCounts(c: PlanCounts): string {
  const parts = [
    c.create && `${c.create} to create`,
    c.update && `${c.update} to update`,
    c.delete && `${c.delete} to delete`,
    c.other && `${c.other} other change${c.other === 1 ? '' : 's'}`,
  ].filter(Boolean) as string[];
  const changes = parts.length ? parts.join(', ') : 'no changes';
  return c.skipped ? `${changes}, ${c.skipped} skipped` : changes;
}

/** Fields of a record image shown and compared, in this order (`name`/`type` identify it; `data` is derived from content). */
const FIELDS = ['content', 'priority', 'ttl', 'proxied', 'comment', 'tags', 'settings'] as const;
const IDENTITY = new Set(['name', 'type', 'data']);
const MARK = { create: '+', update: '~', delete: '-', setting: '~', purge: '!' } as const;
const COLOUR = { create: 'green', update: 'yellow', delete: 'red', setting: 'yellow', purge: 'cyan' } as const;

type Image = Record<string, unknown>;

const show = (v: unknown): string => (v === undefined || v === null ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Content made only of quoted character-strings (`"v=spf1 " "-all"`), as Cloudflare stores written TXT. */
const QUOTED_TXT = /^\s*"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*\s*$/s;

/**
 * The image as the zones file writes it: a TXT content as its value (strings joined, unquoted), so a
 * record stored unquoted and its quoted rewrite read alike, and the diff shows what the file says.
 */
function fileForm(r: Image | null): Image | null {
  if (!r || r.type !== 'TXT' || typeof r.content !== 'string' || !QUOTED_TXT.test(r.content)) return r;
  const value = [...r.content.matchAll(/"((?:[^"\\]|\\.)*)"/gs)].map((m) => m[1]!.replace(/\\(\d{3}|.)/gs, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e))).join('');
  return { ...r, content: value };
}

/** The name as the zones file writes it: relative to the zone, `@` for the apex. */
export function relativeName(name: unknown, zone: string): string {
  const n = String(name ?? '');
  if (n === zone) return '@';
  return n.endsWith(`.${zone}`) ? n.slice(0, -zone.length - 1) : n;
}

/** The fields that differ between two images: `content: a → b` (keys outside FIELDS too, for settings jobs). */
export function changedFields(before: Image | null, after: Image | null, paint: Paint = plain): string[] {
  const b = before ?? {};
  const a = after ?? {};
  const keys = [...FIELDS, ...Object.keys({ ...b, ...a }).filter((k) => !IDENTITY.has(k) && !(FIELDS as readonly string[]).includes(k))];
  return keys.filter((k) => !same(b[k], a[k])).map((k) => `${k}: ${paint('red', show(b[k]))} → ${paint('green', show(a[k]))}`);
}

/** A record's attributes beside its content: `ttl 300, proxied, priority 10, comment "…", tags a:b`. */
function attributes(r: Image): string {
  const out: string[] = [];
  if (r.priority !== undefined && r.priority !== null) out.push(`priority ${show(r.priority)}`);
  if (r.ttl !== undefined) out.push(r.ttl === 1 ? 'ttl auto' : `ttl ${show(r.ttl)}`);
  if (r.proxied) out.push('proxied');
  if (r.comment) out.push(`comment ${JSON.stringify(r.comment)}`);
  if (Array.isArray(r.tags) && r.tags.length) out.push(`tags ${r.tags.join(' ')}`);
  if (r.settings && Object.keys(r.settings).length) out.push(`settings ${JSON.stringify(r.settings)}`);
  return out.length ? ` (${out.join(', ')})` : '';
}

function itemLine(raw: JobItem, width: number, paint: Paint): string {
  const it = { ...raw, before: fileForm(raw.before), after: fileForm(raw.after) };
  const image = (it.action === 'delete' ? it.before : (it.after ?? it.before)) ?? {};
  const isRecord = 'type' in image;
  const head = isRecord ? `${relativeName(image.name, it.zoneName).padEnd(width)} ${String(image.type).padEnd(5)}` : (it.recordId ?? it.action);
  let body: string;
  if (it.action === 'update' || it.action === 'setting') {
    const fields = changedFields(it.before, it.after, it.status === 'skipped' ? plain : paint);
    body = fields.length ? fields.join(', ') : show(image.content);
  } else if (isRecord) body = `${show(image.content)}${attributes(image)}`;
  else body = show(it.after ?? it.before);
  if (it.status === 'skipped') return paint('dim', `  · ${head} ${body} — skipped: ${it.error ?? 'no change'}`);
  const line = `  ${paint(COLOUR[it.action], MARK[it.action])} ${head} ${body}`;
  if (it.status === 'failed') return `${line} ${paint('red', `✗ ${it.error ?? 'failed'}`)}`;
  return it.status === 'done' ? `${line} ${paint('green', '✓')}` : line;
}

/** The diff, zone by zone in plan order, then `Plan: …` (its lines, without trailing newlines). */
export function renderDiff(items: readonly JobItem[], paint: Paint = plain): string[] {
  const zones = new Map<string, JobItem[]>();
  for (const it of items) (zones.get(it.zoneName) ?? zones.set(it.zoneName, []).get(it.zoneName)!).push(it);
  const lines: string[] = [];
  for (const [zone, list] of zones) {
    const width = Math.min(40, Math.max(1, ...list.map((it) => relativeName((it.after ?? it.before)?.name, zone).length)));
    lines.push(`${paint('bold', zone)}  ${paint('dim', `(${describeCounts(countItems(list))})`)}`);
    for (const it of list) lines.push(itemLine(it, width, paint));
  }
  const counts = countItems(items);
  lines.push(`${paint('bold', 'Plan:')} ${describeCounts(counts)}${zones.size > 1 ? ` in ${zones.size} zones` : ''}.`);
  return lines;
}

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;

/**
 * What apply will meet, from the job's zone summaries (its first 100 zones): the safety threshold
 * (apply needs --force) and the Cloudflare plan limits (apply is refused: record quota, tags on Free).
 */
export function planWarnings(job: Pick<Job, 'needsForce' | 'safetyThreshold' | 'plan'>, paint: Paint = plain): string[] {
  const out: string[] = [];
  if (job.needsForce) {
    const over = job.plan.zones.filter((z) => z.overThreshold).map((z) => `${z.zoneName} ${pct(z.share)}`);
    out.push(paint('yellow', `! Over the safety threshold (${pct(job.safetyThreshold)} of a zone's records updated or deleted)${over.length ? `: ${over.join(', ')}` : ''}; apply needs --force.`));
  }
  if (job.plan.zonesRefused > 0) {
    const refused = job.plan.zones
      .filter((z) => z.overQuota || z.tagsRefused > 0)
      .map((z) => (z.overQuota ? `${z.zoneName} (${z.recordsAfter} records after, quota ${z.recordQuota})` : `${z.zoneName} (${z.tagsRefused} change(s) set tags, which its plan has not)`));
    out.push(paint('red', `! ${job.plan.zonesRefused} zone(s) past their Cloudflare plan's limits${refused.length ? `: ${refused.join(', ')}` : ''}; apply will be refused.`));
  }
  return out;
}
