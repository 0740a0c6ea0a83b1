/**
 * Input formats of bulk creates: CSV (`type,name,content,ttl,proxied[,priority]`)
 * and BIND zone files (a template applied to many zones: names are taken
 * relative to the file's $ORIGIN, so `www` lands as `www.<each zone>`).
 * Errors name the line; nothing here echoes secrets.
 */
import { invalid } from '../errors';
import { bindAttributes } from './bind-attributes';
import type { RecordLite } from './model';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA']);
const MAX_ROWS = 200_000;
/** The same bounds as a record given as JSON (contracts/cloudflare.ts), so one row can never outgrow a plan page. */
const MAX_NAME = 253;
const MAX_CONTENT = 4096;

function tooLong(name: string, content: string): string | undefined {
  if (name.length > MAX_NAME) return `name longer than ${MAX_NAME} characters`;
  if (content.length > MAX_CONTENT) return `content longer than ${MAX_CONTENT} characters`;
  return undefined;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function ttlOf(v: string | undefined, where: string): number {
  if (v === undefined || v === '' || v.toLowerCase() === 'auto') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || !(n === 1 || (n >= 60 && n <= 86400))) throw invalid(`${where}: ttl must be 1 (auto) or 60..86400`, [{ in: 'body', field: 'params.csv', message: `${where}: bad ttl` }]);
  return n;
}

export function parseCsv(text: string): RecordLite[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length === 0) throw invalid('CSV is empty');
  const header = splitCsvLine(lines[0]!).map((h) => h.toLowerCase());
  const col = (n: string) => header.indexOf(n);
  for (const req of ['type', 'name', 'content']) {
    if (col(req) < 0) throw invalid(`CSV header must name ${req}`, [{ in: 'body', field: 'params.csv', message: 'header needs type,name,content[,ttl,proxied,priority]' }]);
  }
  if (lines.length - 1 > MAX_ROWS) throw invalid(`CSV has more than ${MAX_ROWS} rows`);
  const out: RecordLite[] = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `line ${i + 1}`;
    const cells = splitCsvLine(lines[i]!);
    const get = (n: string) => (col(n) >= 0 ? cells[col(n)] : undefined);
    const type = (get('type') ?? '').toUpperCase();
    if (!TYPES.has(type)) throw invalid(`${where}: unsupported type`, [{ in: 'body', field: 'params.csv', message: `${where}: type` }]);
    const name = get('name') ?? '';
    const content = get('content') ?? '';
    if (!name || !content) throw invalid(`${where}: name and content are required`, [{ in: 'body', field: 'params.csv', message: `${where}: name/content` }]);
    const long = tooLong(name, content);
    if (long) throw invalid(`${where}: ${long}`, [{ in: 'body', field: 'params.csv', message: `${where}: ${long}` }]);
    const proxied = /^(true|1|yes)$/i.test(get('proxied') ?? '');
    const r: RecordLite = { type, name, content, ttl: ttlOf(get('ttl'), where), proxied };
    const pr = get('priority');
    if (pr !== undefined && pr !== '') r.priority = Number(pr);
    else if (type === 'MX') r.priority = 10;
    out.push(r);
  }
  return out;
}

/** Split off a comment (`;` outside quotes): the record text and the comment after it, if any. */
function splitComment(line: string): [string, string | undefined] {
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"' && line[i - 1] !== '\\') q = !q;
    else if (ch === ';' && !q) return [line.slice(0, i), line.slice(i + 1)];
  }
  return [line, undefined];
}

/** A record of a BIND template; `proxiedByTag` when its `cf_tags` set `cf-proxied`. */
export type BindRecord = RecordLite & { proxiedByTag?: boolean };

function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? `"${m[1]}"` : m[2]!);
  return out;
}

/**
 * Parse a BIND file as a template. Returns records with names relative to the
 * origin (`@` for the apex) so they can be expanded for each target zone.
 * SOA and apex NS records are skipped (Cloudflare manages them).
 */
export function parseBindTemplate(text: string): { records: BindRecord[]; skipped: number } {
  let origin = '';
  let defaultTtl = 1;
  let last = '@';
  const records: BindRecord[] = [];
  let skipped = 0;
  // Join parenthesised continuations; a record's comment is the last one on its lines.
  const joined: Array<{ line: string; comment?: string }> = [];
  let acc = '';
  let accComment: string | undefined;
  let depth = 0;
  for (const raw of text.split(/\r?\n/)) {
    const [l, comment] = splitComment(raw);
    if (comment?.trim()) accComment = comment;
    depth += (l.match(/\(/g)?.length ?? 0) - (l.match(/\)/g)?.length ?? 0);
    acc += (acc ? ' ' : '') + l.replace(/[()]/g, ' ');
    if (depth <= 0) {
      joined.push({ line: acc, comment: accComment });
      acc = '';
      accComment = undefined;
      depth = 0;
    }
  }
  if (joined.length > MAX_ROWS) throw invalid(`BIND file has more than ${MAX_ROWS} lines`);
  const rel = (name: string): string => {
    const n = name.toLowerCase();
    if (n === '@') return '@';
    if (n.endsWith('.')) {
      const abs = n.slice(0, -1);
      if (origin && abs === origin) return '@';
      if (origin && abs.endsWith(`.${origin}`)) return abs.slice(0, -origin.length - 1);
      return abs; // absolute name outside the origin: kept (expandName leaves names of the zone alone)
    }
    return n;
  };
  for (const { line, comment } of joined) {
    if (!line.trim()) continue;
    const startsBlank = /^\s/.test(line);
    const t = tokens(line);
    if (t[0] === '$ORIGIN') {
      origin = (t[1] ?? '').toLowerCase().replace(/\.$/, '');
      continue;
    }
    if (t[0] === '$TTL') {
      defaultTtl = Number(t[1]) || 1;
      continue;
    }
    if (t[0]?.startsWith('$')) {
      skipped++;
      continue;
    }
    let i = 0;
    let name = last;
    if (!startsBlank) {
      name = rel(t[0]!);
      i = 1;
    }
    last = name;
    let ttl = defaultTtl;
    for (let k = 0; k < 2 && i < t.length; k++) {
      if (/^\d+$/.test(t[i]!)) ttl = Number(t[i++]);
      else if (/^(IN|CH|HS)$/i.test(t[i]!)) i++;
    }
    const type = (t[i++] ?? '').toUpperCase();
    if (type === 'SOA' || (type === 'NS' && name === '@') || !TYPES.has(type)) {
      skipped++;
      continue;
    }
    const rdata = t.slice(i);
    let content: string;
    let priority: number | undefined;
    if (type === 'MX') {
      priority = Number(rdata[0]);
      content = rel(rdata[1] ?? '');
    } else if (type === 'TXT') {
      content = rdata.map((s) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\"/g, '"') : s)).join('');
    } else if (type === 'CNAME' || type === 'NS') {
      content = rel(rdata[0] ?? '');
      if (content === '@') content = '{zone}';
      else if (!content.includes('.')) content = `${content}.{zone}`;
    } else content = rdata.join(' ');
    if (type === 'SRV' && rdata.length === 4) {
      // priority weight port target: the target is rewritten to each zone as for CNAME/MX.
      let target = rdata[3] === '.' ? '.' : rel(rdata[3]!);
      if (target === '@') target = '{zone}';
      else if (target !== '.' && !target.includes('.')) target = `${target}.{zone}`;
      content = [...rdata.slice(0, 3), target].join(' ');
    }
    if (type === 'MX') {
      if (content === '@') content = '{zone}';
      else if (!content.includes('.')) content = `${content}.{zone}`;
    }
    const long = tooLong(name, content);
    if (long) throw invalid(`BIND record ${name}: ${long}`, [{ in: 'body', field: 'params.bind', message: `record ${name.slice(0, 64)}: ${long}` }]);
    const ttlOut = ttl === 1 || (ttl >= 60 && ttl <= 86400) ? ttl : Math.min(86400, Math.max(60, ttl));
    const r: BindRecord = { type, name, content, ttl: ttlOut, proxied: false };
    if (priority !== undefined && Number.isFinite(priority)) r.priority = priority;
    // Comments and cf_tags as Cloudflare's own import reads them (bind-attributes.ts).
    const attrs = bindAttributes(comment ?? '');
    if (attrs.comment) r.comment = attrs.comment;
    if (attrs.tags) r.tags = attrs.tags;
    if (attrs.settings) r.settings = attrs.settings;
    if (attrs.proxied !== undefined) {
      r.proxied = attrs.proxied;
      r.proxiedByTag = true;
    }
    records.push(r);
  }
  return { records, skipped };
}
