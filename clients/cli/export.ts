/**
 * `flarevault dns export <zone…>`: the zones as a zones file that plans to zero changes (GET
 * …/zones/{zoneId}/state; one file for many zones, in the order given), or as BIND (GET …/export).
 * The YAML writes each record on one line (a flow map), as people write them by hand.
 */
import { writeFileSync } from 'node:fs';
import { Document, isMap, isSeq, type Node } from 'yaml';
import type { ZoneState } from './api';
import type { Context } from './context';
import { CliError } from './job-flow';

export interface ExportOptions {
  format: 'yaml' | 'bind';
  output?: string;
}

/** The YAML text of a zones file: records as one-line flow maps, no line folding. */
export function zonesFileYaml(accountId: string, states: readonly ZoneState[], header: readonly string[] = []): string {
  const doc = new Document({ version: 1, account: accountId, zones: Object.fromEntries(states.map((s) => [s.zone, s.state])) });
  const zones = doc.get('zones') as Node;
  if (isMap(zones)) {
    for (const pair of zones.items) {
      const zone = pair.value;
      const records = isMap(zone) ? zone.get('records') : undefined;
      if (isSeq(records)) for (const r of records.items) if (isMap(r)) r.flow = true;
      const manage = isMap(zone) ? zone.get('manage') : undefined;
      if (isMap(manage)) manage.flow = true;
    }
  }
  if (header.length) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

export async function dnsExport(ctx: Context, names: readonly string[], o: ExportOptions): Promise<void> {
  if (o.format !== 'yaml' && o.format !== 'bind') throw new CliError(`--format is yaml or bind, not "${o.format}"`);
  const account = await ctx.account();
  const zones = await ctx.zones(account.id, names);
  let content: string;
  let summary: { zone: string; zoneId: string; records: number | null; readOnlyRecords: number | null; unsupportedRecords: number | null }[];
  if (o.format === 'bind') {
    const files = await Promise.all(zones.map((z) => ctx.api.exportZoneBind(account.id, z.id)));
    content = files.map((f) => (f.endsWith('\n') ? f : `${f}\n`)).join('\n');
    summary = zones.map((z) => ({ zone: z.name, zoneId: z.id, records: null, readOnlyRecords: null, unsupportedRecords: null }));
  } else {
    const states = await Promise.all(zones.map((z) => ctx.api.exportZoneState(account.id, z.id)));
    const left = states.filter((s) => s.readOnlyRecords || s.unsupportedRecords);
    const header = [
      `flarevault dns export of ${states.map((s) => s.zone).join(', ')} (account ${account.name}), ${new Date().toISOString()}`,
      'Plans to zero changes as it is: `flarevault dns plan <this file>`.',
      ...left.map((s) => `${s.zone}: ${s.readOnlyRecords} read-only and ${s.unsupportedRecords} unsupported record(s) left out (plans never touch them)`),
    ];
    content = zonesFileYaml(account.id, states, header);
    summary = states.map((s, i) => ({ zone: s.zone, zoneId: zones[i]!.id, records: s.state.records.length, readOnlyRecords: s.readOnlyRecords, unsupportedRecords: s.unsupportedRecords }));
  }
  if (o.output) writeFileSync(o.output, content);
  else if (!ctx.term.json) process.stdout.write(content);
  const note = summary.map((s) => `${s.zone}${s.records === null ? '' : `: ${s.records} records${s.readOnlyRecords ? `, ${s.readOnlyRecords} read-only left out` : ''}`}`).join('; ');
  if (o.output) ctx.term.result({ account: account.id, format: o.format, output: o.output, zones: summary }, [`Wrote ${o.output} (${note}).`]);
  else if (ctx.term.json) ctx.term.result({ account: account.id, format: o.format, output: null, zones: summary, content });
  else ctx.term.note(`# ${note}`);
}
