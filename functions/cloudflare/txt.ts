/**
 * TXT content as Cloudflare keeps it: one or more quoted RFC 1035 character-strings of at most
 * 255 bytes each (`"v=spf1 -all"`, `"first 255 bytes" "rest"`). Records edited in the dashboard
 * are stored quoted, records written through the API as sent (often unquoted), so the same value
 * has several spellings. Comparison goes through `txtValue` (the strings joined, as SPF/DKIM/DMARC
 * readers join them); writes go through `txtContent` (quoted, split at 255 bytes).
 * Sources: docs/cloudflare-sandbox.md, "Quoted TXT".
 */

const MAX_STRING_BYTES = 255;
/** Whole content made of quoted strings separated by blanks (escapes `\"`, `\\`, `\DDD` inside). */
const QUOTED = /^\s*"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*\s*$/s;

/** True when the content is written as quoted character-strings. */
export function isQuotedTxt(content: string): boolean {
  return QUOTED.test(content);
}

/** The character-strings of quoted content, unescaped. */
function strings(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(/"((?:[^"\\]|\\.)*)"/gs)) {
    out.push(m[1]!.replace(/\\(\d{3}|.)/gs, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e)));
  }
  return out;
}

/** The value a TXT record carries: its strings joined when quoted, the content itself otherwise. */
export function txtValue(content: string): string {
  return isQuotedTxt(content) ? strings(content).join('') : content;
}

/** Split into pieces of at most 255 UTF-8 bytes, never inside a character. */
function splitBytes(value: string): string[] {
  const pieces: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX_STRING_BYTES) {
      pieces.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  pieces.push(cur);
  return pieces;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/**
 * Content as Cloudflare stores it: quoted content keeps its strings, each one over 255 bytes split
 * (what Cloudflare does on write); unquoted content is quoted and split the same way.
 */
export function txtContent(content: string): string {
  const parts = isQuotedTxt(content) ? strings(content) : [content];
  return parts.flatMap(splitBytes).map(quote).join(' ');
}
