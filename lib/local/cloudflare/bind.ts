/**
 * A small BIND zone-file parser and emitter for the record types the sandbox supports.
 * Handles $ORIGIN, $TTL, relative names, `@`, blank owner (repeat previous), optional class
 * and TTL in either order, `;` comments, parentheses over several lines, quoted TXT strings,
 * and Cloudflare's `; cf_tags=cf-proxied:true` export annotation.
 */
import type { DnsRecord, RecordType, Zone } from './types';

export interface ParsedRecord {
  name: string;
  ttl: number;
  type: string;
  content: string;
  priority?: number;
  data?: Record<string, unknown>;
  proxied?: boolean;
  comment?: string;
  tags?: string[];
  settings?: Record<string, unknown>;
  line: number;
}

export interface ParseResult {
  records: ParsedRecord[];
  /** Lines that could not be understood (skipped). */
  skipped: Array<{ line: number; text: string; reason: string }>;
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);

/** Split a logical line into tokens, keeping quoted strings whole (quotes kept). Returns comment separately. */
function tokenize(line: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  let comment = '';
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ';') {
      comment = line.slice(i + 1);
      break;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let s = '"';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) {
          s += line[j]! + line[j + 1]!;
          j += 2;
        } else s += line[j++];
      }
      tokens.push(`${s}"`);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/\s/.test(line[j]!) && line[j] !== ';') j++;
    tokens.push(line.slice(i, j));
    i = j;
  }
  return { tokens, comment };
}

function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  if (name.endsWith('.')) return name.slice(0, -1).toLowerCase();
  return origin ? `${name}.${origin}`.toLowerCase() : name.toLowerCase();
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s;
}

function parseTtl(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:(\d+)[wW])?(?:(\d+)[dD])?(?:(\d+)[hH])?(?:(\d+)[mM])?(?:(\d+)[sS])?$/.exec(s);
  if (!m || s === '') return undefined;
  const [, w, d, h, mi, se] = m.map((x) => Number(x ?? 0));
  return w! * 604800 + d! * 86400 + h! * 3600 + mi! * 60 + se!;
}

/**
 * `; <comment> cf_tags=<tags>` after a record (Cloudflare docs, "Import and export records" →
 * "DNS record attributes"): the comment is what precedes the last `cf_tags=`; tags are
 * `name[:value]` separated by commas, a value in double quotes being a JSON string;
 * `cf-proxied:true|false` and `cf-flatten-cname` are configuration, not tags.
 */
function recordAttributes(text: string): Pick<ParsedRecord, 'comment' | 'tags' | 'proxied' | 'settings'> {
  const cut = text.lastIndexOf('cf_tags=');
  const out: Pick<ParsedRecord, 'comment' | 'tags' | 'proxied' | 'settings'> = {};
  const comment = (cut >= 0 ? text.slice(0, cut) : text).trim();
  if (comment) out.comment = comment;
  if (cut < 0) return out;
  const tags: string[] = [];
  const re = /\s*([A-Za-z0-9_-]+)(?::("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/gy;
  const list = text.slice(cut + 8);
  for (let m = re.exec(list); m && m[0] !== ''; m = re.exec(list)) {
    const name = m[1]!.toLowerCase();
    const raw = (m[2] ?? '').trim();
    const value = raw.startsWith('"') ? jsonString(raw) : raw;
    if (name === 'cf-proxied') out.proxied = value === 'true';
    else if (name === 'cf-flatten-cname') out.settings = { flatten_cname: true };
    else tags.push(`${name}:${value}`);
  }
  if (tags.length) out.tags = tags;
  return out;
}

function jsonString(raw: string): string {
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw.slice(1, -1);
  }
}

/** The `; comment cf_tags=…` Cloudflare's export writes after a record (empty when it has neither). */
function exportAttributes(r: DnsRecord): string {
  const quoteIfNeeded = (v: string) => (/["=,\\]/.test(v) ? JSON.stringify(v) : v);
  const tags = r.tags.map((t) => {
    const i = t.indexOf(':');
    return `${t.slice(0, i)}:${quoteIfNeeded(t.slice(i + 1))}`;
  });
  if (r.settings?.flatten_cname === true) tags.push('cf-flatten-cname');
  if (r.proxiable) tags.push(`cf-proxied:${r.proxied}`);
  const parts = [r.comment ?? '', tags.length || r.comment?.includes('cf_tags=') ? `cf_tags=${tags.join(',')}` : ''].filter(Boolean);
  return parts.length ? ` ; ${parts.join(' ')}` : '';
}

export function parseBind(text: string, zoneName: string): ParseResult {
  const records: ParsedRecord[] = [];
  const skipped: ParseResult['skipped'] = [];
  let origin = zoneName.toLowerCase();
  let defaultTtl = 1;
  let lastOwner = origin;

  // Join parenthesised continuation lines into logical lines.
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  const logical: Array<{ text: string; line: number }> = [];
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!;
    const start = i + 1;
    const opens = (l: string) => (tokenize(l).tokens.join(' ').match(/\(/g) ?? []).length;
    const closes = (l: string) => (tokenize(l).tokens.join(' ').match(/\)/g) ?? []).length;
    let depth = opens(line) - closes(line);
    while (depth > 0 && i + 1 < raw.length) {
      const next = raw[++i]!;
      depth += opens(next) - closes(next);
      line = `${line.replace(/;.*$/, '')} ${next}`;
    }
    logical.push({ text: line.replace(/[()]/g, ' '), line: start });
  }

  for (const { text: lineText, line } of logical) {
    const startsWithSpace = /^\s/.test(lineText);
    const { tokens, comment } = tokenize(lineText);
    if (tokens.length === 0) continue;
    if (tokens[0] === '$ORIGIN') {
      origin = (tokens[1] ?? origin).replace(/\.$/, '').toLowerCase();
      continue;
    }
    if (tokens[0] === '$TTL') {
      defaultTtl = parseTtl(tokens[1] ?? '') ?? defaultTtl;
      continue;
    }
    if (tokens[0]!.startsWith('$')) {
      skipped.push({ line, text: lineText, reason: `unsupported directive ${tokens[0]}` });
      continue;
    }
    let idx = 0;
    let owner: string;
    if (startsWithSpace) owner = lastOwner;
    else owner = absolute(tokens[idx++]!, origin);
    lastOwner = owner;
    let ttl: number | undefined;
    for (let k = 0; k < 2 && idx < tokens.length; k++) {
      const t = tokens[idx]!;
      if (CLASSES.has(t.toUpperCase())) idx++;
      else if (ttl === undefined && parseTtl(t) !== undefined && /^\d/.test(t)) {
        ttl = parseTtl(t);
        idx++;
      }
    }
    const type = (tokens[idx++] ?? '').toUpperCase();
    const rdata = tokens.slice(idx);
    if (!type || rdata.length === 0) {
      skipped.push({ line, text: lineText, reason: 'missing type or data' });
      continue;
    }
    const rec: ParsedRecord = { name: owner, ttl: ttl ?? defaultTtl, type, content: '', line };
    Object.assign(rec, recordAttributes(comment));
    const host = (s: string) => absolute(s, origin);
    switch (type) {
      case 'SOA':
        continue; // Cloudflare manages SOA itself
      case 'A':
      case 'AAAA':
        rec.content = rdata[0]!;
        break;
      case 'CNAME':
      case 'NS':
      case 'PTR':
        rec.content = host(rdata[0]!);
        break;
      case 'MX':
        rec.priority = Number(rdata[0]);
        rec.content = host(rdata[1] ?? '');
        break;
      case 'TXT':
        // Kept as the file's character-strings, quoted (an unquoted word is a string of its own).
        rec.content = rdata.map((s) => (s.startsWith('"') ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`)).join(' ');
        break;
      case 'SRV':
        rec.data = { priority: Number(rdata[0]), weight: Number(rdata[1]), port: Number(rdata[2]), target: rdata[3] === '.' ? '.' : host(rdata[3] ?? '') };
        break;
      case 'CAA':
        rec.data = { flags: Number(rdata[0]), tag: rdata[1], value: unquote(rdata.slice(2).join(' ')) };
        break;
      default:
        skipped.push({ line, text: lineText, reason: `unsupported type ${type}` });
        continue;
    }
    records.push(rec);
  }
  return { records, skipped };
}

const quoteTxt = (s: string) => {
  const chunks: string[] = [];
  for (let i = 0; i < s.length || i === 0; i += 255) chunks.push(s.slice(i, i + 255));
  return chunks.map((c) => `"${c.replace(/(["\\])/g, '\\$1')}"`).join(' ');
};

/** Emit a zone file the way Cloudflare's export does (header comments, SOA, NS, then sections by type). */
export function emitBind(zone: Zone, records: DnsRecord[], nowIso: string): string {
  const fqdn = (n: string) => `${n}.`;
  const out: string[] = [
    ';;',
    `;; Domain:     ${fqdn(zone.name)}`,
    `;; Exported:   ${nowIso.replace('T', ' ').replace(/\.\d+Z$/, '')}`,
    ';;',
    ';; This file is intended for use for informational and archival',
    ';; purposes ONLY and MUST be edited before use on a production',
    ';; DNS server.  In particular, you must:',
    ';;   -- update the SOA record with the correct authoritative name server',
    ';;   -- update the SOA record with the contact e-mail address information',
    ';;   -- update the NS record(s) with the authoritative name servers for this domain.',
    ';;',
    ';; For further information, please consult the BIND documentation',
    ';; located on the following website:',
    ';;',
    ';; http://www.isc.org/',
    ';;',
    ';; And RFC 1035:',
    ';;',
    ';; http://www.ietf.org/rfc/rfc1035.txt',
    ';;',
    ';; Please note that we do NOT offer technical support for any use',
    ';; of this zone data, the BIND name server, or any other third-party',
    ';; DNS software.',
    ';;',
    ';; Use at your own risk.',
    '',
    ';; SOA Record',
    `${fqdn(zone.name)}\t3600\tIN\tSOA\t${zone.name_servers[0]}. dns.cloudflare.com. ${Math.floor(Date.parse(nowIso) / 1000)} 10000 2400 604800 3600`,
    '',
    ';; NS Records',
    ...zone.name_servers.map((ns) => `${fqdn(zone.name)}\t86400\tIN\tNS\t${ns}.`),
  ];
  const order: RecordType[] = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT'];
  for (const type of order) {
    const recs = records.filter((r) => r.type === type).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!recs.length) continue;
    out.push('', `;; ${type} Records`);
    for (const r of recs) {
      let rdata: string;
      switch (r.type) {
        case 'CNAME':
        case 'NS':
        case 'PTR':
          rdata = fqdn(r.content);
          break;
        case 'MX':
          rdata = `${r.priority} ${fqdn(r.content)}`;
          break;
        case 'TXT':
          rdata = r.content.startsWith('"') ? r.content : quoteTxt(r.content);
          break;
        case 'SRV': {
          const d = r.data as { priority: number; weight: number; port: number; target: string };
          rdata = `${d.priority} ${d.weight} ${d.port} ${d.target === '.' ? '.' : fqdn(d.target)}`;
          break;
        }
        case 'CAA': {
          const d = r.data as { flags: number; tag: string; value: string };
          rdata = `${d.flags} ${d.tag} "${d.value}"`;
          break;
        }
        default:
          rdata = r.content;
      }
      out.push(`${fqdn(r.name)}\t${r.ttl}\tIN\t${r.type}\t${rdata}${exportAttributes(r)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
