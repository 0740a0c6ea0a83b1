/**
 * The job builder's form state and the one function that turns it into the
 * `createJob` body. Kept apart from the components so the mapping (what an
 * empty field means, how the threshold becomes a share) is in one place.
 */
import type { CreatableKind, CreateJobBody, DnsType } from '../../api/types';

export type MatchMode = 'exact' | 'contains' | 'pattern';

export interface MatchForm {
  name: string;
  nameMode: MatchMode;
  types: DnsType[];
  content: string;
  contentMode: MatchMode;
}

export const emptyMatch: MatchForm = { name: '', nameMode: 'contains', types: [], content: '', contentMode: 'exact' };

/** Which zones: picked one by one, or every zone whose name contains a text. */
export interface ZoneSelectionForm {
  accountId: string;
  zoneMode: 'pick' | 'filter';
  zones: Set<string>;
  nameContains: string;
}

/** The parameter fields of every kind; only the current kind's are sent. Empty strings mean "unchanged". */
export interface JobParamsForm {
  match: MatchForm;
  setContent: string;
  setTtl: string;
  setProxied: string;
  csv: string;
  bind: string;
  bindProxied: boolean;
  settings: Record<string, string>;
  purgeFiles: string;
}

export const initialParams: JobParamsForm = {
  match: emptyMatch,
  setContent: '',
  setTtl: '',
  setProxied: '',
  csv: 'type,name,content,ttl,proxied\nTXT,_verify,"hello",1,false\n',
  bind: '',
  bindProxied: false,
  settings: {},
  purgeFiles: '',
};

function buildMatch(match: MatchForm) {
  return {
    ...(match.name.trim() ? { name: { value: match.name.trim(), mode: match.nameMode } } : {}),
    ...(match.types.length ? { types: match.types } : {}),
    ...(match.content.trim() ? { content: { value: match.content.trim(), mode: match.contentMode } } : {}),
  };
}

/** `threshold` is the percentage as typed; blank or not a number leaves the server's default. */
export function buildJobBody(kind: CreatableKind, zones: ZoneSelectionForm, threshold: string, p: JobParamsForm): CreateJobBody {
  const t = Number(threshold);
  const selection = {
    accountId: zones.accountId,
    ...(zones.zoneMode === 'pick' ? { zones: [...zones.zones] } : { zoneFilter: { nameContains: zones.nameContains.trim() } }),
    ...(threshold.trim() && Number.isFinite(t) ? { safetyThreshold: t / 100 } : {}),
  };
  switch (kind) {
    case 'dns-replace':
      return {
        kind,
        ...selection,
        params: {
          match: buildMatch(p.match),
          set: {
            ...(p.setContent ? { content: p.setContent } : {}),
            ...(p.setTtl ? { ttl: Number(p.setTtl) } : {}),
            ...(p.setProxied ? { proxied: p.setProxied === 'true' } : {}),
          },
        },
      };
    case 'dns-delete':
      return { kind, ...selection, params: { match: buildMatch(p.match) } };
    case 'dns-create':
      return { kind, ...selection, params: { csv: p.csv } };
    case 'bind-import':
      return { kind, ...selection, params: { bind: p.bind, proxied: p.bindProxied } };
    case 'zone-settings':
      return { kind, ...selection, params: { settings: Object.fromEntries(Object.entries(p.settings).filter(([, v]) => v)) } };
    case 'cache-purge': {
      const files = p.purgeFiles.split(/\s+/).filter(Boolean);
      return { kind, ...selection, params: files.length ? { files } : { everything: true } };
    }
  }
}
