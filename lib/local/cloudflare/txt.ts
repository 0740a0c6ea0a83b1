/**
 * TXT content the way Cloudflare stores it (docs/cloudflare-sandbox.md, "Quoted TXT"):
 * - content that opens with `"` must be well-formed quoted character-strings separated by blanks,
 *   otherwise 1004/9009 ("inconsistent quotation marks", e.g. `"this` or `"these" ones"`);
 *   each string over 255 bytes is split into 255-byte strings;
 * - content without quotes is stored as sent (the API does not add quotes; the dashboard does).
 * Written apart from the product's own codec (functions/cloudflare/txt.ts) on purpose: the sandbox
 * is the oracle the engine is tested against.
 */
import { errors } from './envelope';

const STRING_BYTES = 255;

interface Parsed {
  /** The strings as written (escapes kept), or null when the quoting is inconsistent. */
  raw: string[] | null;
}

/** Scan `"…" "…"` by hand: a quote opens, an unescaped quote closes, only blanks between strings. */
function scan(content: string): Parsed {
  const raw: string[] = [];
  let i = 0;
  const n = content.length;
  while (i < n) {
    while (i < n && /\s/.test(content[i]!)) i++;
    if (i >= n) break;
    if (content[i] !== '"') return { raw: null };
    let j = i + 1;
    let s = '';
    while (j < n && content[j] !== '"') {
      if (content[j] === '\\' && j + 1 < n) {
        s += content.slice(j, j + 2);
        j += 2;
      } else s += content[j++];
    }
    if (j >= n) return { raw: null };
    raw.push(s);
    i = j + 1;
    if (i < n && !/\s/.test(content[i]!)) return { raw: null };
  }
  return { raw: raw.length ? raw : null };
}

const unescape = (s: string) => s.replace(/\\(\d{3}|[\s\S])/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e));

/** One string (escapes kept) as strings of at most 255 bytes of data; short ones stay as written. */
function split(written: string): string[] {
  const data = unescape(written);
  if (Buffer.byteLength(data) <= STRING_BYTES) return [written];
  const out: string[] = [];
  let cur = '';
  for (const ch of data) {
    if (Buffer.byteLength(cur + ch) > STRING_BYTES) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.replace(/["\\]/g, '\\$&'));
}

/** The content to store for a TXT record, or a 1004/9009 error for inconsistent quotes. */
export function storedTxt(content: string): string {
  if (!content.trimStart().startsWith('"') && !content.trimEnd().endsWith('"')) return content;
  const { raw } = scan(content);
  if (!raw) throw errors.dnsValidation(9009, 'Content for TXT record is invalid: inconsistent quotation marks.');
  return raw.flatMap(split).map((s) => `"${s}"`).join(' ');
}

/** The value a TXT record carries (its strings joined), for duplicate checks. */
export function txtData(content: string): string {
  const { raw } = scan(content);
  return raw ? raw.map(unescape).join('') : content;
}
