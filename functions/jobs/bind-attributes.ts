/**
 * Record attributes in a zone file, as Cloudflare's import and export write them after a record:
 * `; <comment> cf_tags=<tags>` (developers.cloudflare.com/dns/manage-dns-records/how-to/import-and-export/#dns-record-attributes).
 * The comment is everything before the last `cf_tags=`; tags are comma-separated `name`, `name:`,
 * `name:value` or `name:"JSON string"`. Reserved tags: `cf-proxied:true|false` decides the proxy
 * status of that record whatever the import's global flag says; `cf-flatten-cname` turns on
 * per-record CNAME flattening.
 */

export interface BindAttributes {
  comment?: string;
  tags?: string[];
  /** From `cf-proxied`: set only when the file says so for this record. */
  proxied?: boolean;
  settings?: Record<string, unknown>;
}

/** Split the tag list at commas outside double quotes. */
function tagItems(list: string): string[] {
  const items: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    if (ch === '\\' && quoted) {
      cur += ch + (list[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      items.push(cur);
      cur = '';
    } else cur += ch;
  }
  items.push(cur);
  return items.map((s) => s.trim()).filter(Boolean);
}

function tagValue(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw.slice(1, -1);
  }
}

/** The attributes of the comment after a record (`;` already removed); empty when there are none. */
export function bindAttributes(commentText: string): BindAttributes {
  const at = commentText.lastIndexOf('cf_tags=');
  const comment = (at < 0 ? commentText : commentText.slice(0, at)).trim();
  const out: BindAttributes = {};
  if (comment) out.comment = comment;
  if (at < 0) return out;
  const tags: string[] = [];
  for (const entry of tagItems(commentText.slice(at + 'cf_tags='.length))) {
    const colon = entry.indexOf(':');
    const name = (colon < 0 ? entry : entry.slice(0, colon)).trim().toLowerCase();
    const value = colon < 0 ? '' : tagValue(entry.slice(colon + 1).trim());
    if (name === 'cf-proxied') out.proxied = value.toLowerCase() === 'true';
    else if (name === 'cf-flatten-cname') out.settings = { flatten_cname: true };
    else if (name) tags.push(`${name}:${value}`);
  }
  if (tags.length) out.tags = tags;
  return out;
}
