import { useMutation } from '@tanstack/react-query';
import { Check, Search, Wand2 } from 'lucide-react';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { useAccounts, useZones } from '../api/queries';
import { DNS_TYPES, JOB_KINDS, type CreatableKind, type CreateJobBody, type DnsType, type JobResponse } from '../api/types';
import { KIND_LABELS } from '../components/JobBits';
import { Pager } from '../components/Pager';
import { Button, Card, EmptyState, ErrorAlert, Field, Input, PageHeader, Select, SkeletonRows, Textarea, cx } from '../components/ui';
import { Link, navigate, useLocation } from '../lib/router';
import { useDebounced } from '../lib/useDebounced';

const KIND_HELP: Record<CreatableKind, string> = {
  'dns-replace': 'Find records by name, type or content and change their content, TTL or proxy status.',
  'dns-create': 'Create the same records (from CSV) in every selected zone.',
  'dns-delete': 'Delete the records that match a filter.',
  'bind-import': 'Import a BIND zone file into many zones.',
  'zone-settings': 'Change SSL, TLS and security settings across zones.',
  'cache-purge': 'Purge the cache of many zones at once.',
};

type MatchMode = 'exact' | 'contains' | 'pattern';
interface MatchForm {
  name: string;
  nameMode: MatchMode;
  types: DnsType[];
  content: string;
  contentMode: MatchMode;
}
const emptyMatch: MatchForm = { name: '', nameMode: 'contains', types: [], content: '', contentMode: 'exact' };

export default function JobBuilder() {
  const { query } = useLocation();
  const accounts = useAccounts();
  const [kind, setKind] = useState<CreatableKind>((JOB_KINDS as readonly string[]).includes(query.get('kind') ?? '') ? (query.get('kind') as CreatableKind) : 'dns-replace');
  const [accountId, setAccountId] = useState(query.get('account') ?? '');
  const [zoneMode, setZoneMode] = useState<'pick' | 'filter'>('pick');
  const [zones, setZones] = useState<Set<string>>(new Set((query.get('zones') ?? '').split(',').filter(Boolean)));
  const [nameContains, setNameContains] = useState('');
  const [threshold, setThreshold] = useState('30');

  const [match, setMatch] = useState<MatchForm>(emptyMatch);
  const [setContent, setSetContent] = useState('');
  const [setTtl, setSetTtl] = useState('');
  const [setProxied, setSetProxied] = useState('');
  const [csv, setCsv] = useState('type,name,content,ttl,proxied\nTXT,_verify,"hello",1,false\n');
  const [bind, setBind] = useState('');
  const [bindProxied, setBindProxied] = useState(false);
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [purgeFiles, setPurgeFiles] = useState('');

  useEffect(() => {
    if (!accountId && accounts.data?.accounts.length) setAccountId(accounts.data.accounts[0]!.id);
  }, [accountId, accounts.data]);

  const plan = useMutation({
    mutationFn: () => api.post<JobResponse>('/api/v1/jobs', buildBody()),
    onSuccess: (r) => navigate(`/jobs/${r.job.id}`),
  });

  function buildMatch() {
    return {
      ...(match.name.trim() ? { name: { value: match.name.trim(), mode: match.nameMode } } : {}),
      ...(match.types.length ? { types: match.types } : {}),
      ...(match.content.trim() ? { content: { value: match.content.trim(), mode: match.contentMode } } : {}),
    };
  }

  function buildBody(): CreateJobBody {
    const t = Number(threshold);
    const selection = {
      accountId,
      ...(zoneMode === 'pick' ? { zones: [...zones] } : { zoneFilter: { nameContains: nameContains.trim() } }),
      ...(threshold.trim() && Number.isFinite(t) ? { safetyThreshold: t / 100 } : {}),
    };
    switch (kind) {
      case 'dns-replace':
        return {
          kind,
          ...selection,
          params: {
            match: buildMatch(),
            set: {
              ...(setContent ? { content: setContent } : {}),
              ...(setTtl ? { ttl: Number(setTtl) } : {}),
              ...(setProxied ? { proxied: setProxied === 'true' } : {}),
            },
          },
        };
      case 'dns-delete':
        return { kind, ...selection, params: { match: buildMatch() } };
      case 'dns-create':
        return { kind, ...selection, params: { csv } };
      case 'bind-import':
        return { kind, ...selection, params: { bind, proxied: bindProxied } };
      case 'zone-settings':
        return { kind, ...selection, params: { settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v)) } };
      case 'cache-purge': {
        const files = purgeFiles.split(/\s+/).filter(Boolean);
        return { kind, ...selection, params: files.length ? { files } : { everything: true } };
      }
    }
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    plan.mutate();
  };
  const err = plan.error;

  if (accounts.isSuccess && accounts.data.accounts.length === 0) {
    return (
      <>
        <PageHeader title="New bulk job" />
        <EmptyState
          title="Connect a Cloudflare account first"
          action={
            <Button asChild>
              <Link to="/accounts">Go to Cloudflare accounts</Link>
            </Button>
          }
        >
          Jobs change records across the zones of a connected account. Add one with an API token, or add a sandbox account to try it out.
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="New bulk job" description="Nothing changes yet: you get a plan with the exact diff per zone to review before applying." />
      <form onSubmit={onSubmit} className="space-y-6" noValidate>
        <Step n={1} title="What kind of change?">
          <fieldset>
            <legend className="sr-only">Job kind</legend>
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {JOB_KINDS.map((k) => (
                <label
                  key={k}
                  className={cx(
                    'flex cursor-pointer gap-3 rounded-lg p-3 ring-1 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-orange-600',
                    kind === k ? 'bg-orange-50 ring-orange-400' : 'bg-white ring-slate-200 hover:ring-slate-300',
                  )}
                >
                  <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} className="mt-1" />
                  <span>
                    <span className="block text-sm font-medium">{KIND_LABELS[k]}</span>
                    <span className="block text-xs text-slate-600">{KIND_HELP[k]}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        </Step>

        <Step n={2} title="Which zones?">
          {accounts.isPending ? (
            <SkeletonRows rows={2} />
          ) : (
            <div className="space-y-4">
              <Field label="Cloudflare account" name="accountId" error={err} className="max-w-sm">
                {(p) => (
                  <Select
                    {...p}
                    value={accountId}
                    onChange={(e) => {
                      setAccountId(e.target.value);
                      setZones(new Set());
                    }}
                  >
                    {accounts.data?.accounts.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                        {a.sandbox ? ' (sandbox)' : ''}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
              <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label="Zone selection">
                <label className="flex items-center gap-2">
                  <input type="radio" name="zoneMode" checked={zoneMode === 'pick'} onChange={() => setZoneMode('pick')} /> Pick zones
                </label>
                <label className="flex items-center gap-2">
                  <input type="radio" name="zoneMode" checked={zoneMode === 'filter'} onChange={() => setZoneMode('filter')} /> Every zone whose name contains…
                </label>
              </div>
              {zoneMode === 'pick' ? (
                accountId ? <ZonePicker accountId={accountId} selected={zones} onChange={setZones} error={err} /> : null
              ) : (
                <Field label="Zone name contains" name="zoneFilter" error={err} className="max-w-sm">
                  {(p) => <Input {...p} value={nameContains} onChange={(e) => setNameContains(e.target.value)} placeholder="example" />}
                </Field>
              )}
            </div>
          )}
        </Step>

        <Step n={3} title="Parameters">
          {kind === 'dns-replace' || kind === 'dns-delete' ? (
            <div className="space-y-5">
              <MatchFields match={match} onChange={setMatch} error={err} />
              {kind === 'dns-replace' ? (
                <fieldset className="space-y-3">
                  <legend className="text-sm font-semibold text-slate-800">Replace with</legend>
                  <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
                    <Field label="New content" name="params.set.content" error={err} hint="With content match “contains”, only the matched text is replaced.">
                      {(p) => <Input {...p} className="font-mono" value={setContent} onChange={(e) => setSetContent(e.target.value)} />}
                    </Field>
                    <Field label="New TTL" name="params.set.ttl" error={err}>
                      {(p) => (
                        <Select {...p} value={setTtl} onChange={(e) => setSetTtl(e.target.value)}>
                          <option value="">Unchanged</option>
                          {[1, 60, 300, 3600, 86400].map((v) => (
                            <option key={v} value={v}>
                              {v === 1 ? 'Auto' : `${v}s`}
                            </option>
                          ))}
                        </Select>
                      )}
                    </Field>
                    <Field label="Proxy" name="params.set.proxied" error={err}>
                      {(p) => (
                        <Select {...p} value={setProxied} onChange={(e) => setSetProxied(e.target.value)}>
                          <option value="">Unchanged</option>
                          <option value="true">Proxied</option>
                          <option value="false">DNS only</option>
                        </Select>
                      )}
                    </Field>
                  </div>
                  <FieldMsg error={err} name="params.set" exact />
                </fieldset>
              ) : null}
            </div>
          ) : kind === 'dns-create' ? (
            <Field label="Records (CSV)" name="params.csv" error={err} hint="Header: type,name,content,ttl,proxied[,priority]. Names may be relative, @, or contain {zone}.">
              {(p) => <Textarea {...p} rows={8} value={csv} onChange={(e) => setCsv(e.target.value)} />}
            </Field>
          ) : kind === 'bind-import' ? (
            <div className="space-y-3">
              <Field label="BIND zone file" name="params.bind" error={err}>
                {(p) => <Textarea {...p} rows={10} value={bind} onChange={(e) => setBind(e.target.value)} placeholder="www 300 IN A 192.0.2.10" />}
              </Field>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={bindProxied} onChange={(e) => setBindProxied(e.target.checked)} /> Proxy imported records
              </label>
            </div>
          ) : kind === 'zone-settings' ? (
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
              {(
                [
                  ['ssl', ['off', 'flexible', 'full', 'strict']],
                  ['min_tls_version', ['1.0', '1.1', '1.2', '1.3']],
                  ['always_use_https', ['on', 'off']],
                  ['security_level', ['essentially_off', 'low', 'medium', 'high', 'under_attack']],
                  ['automatic_https_rewrites', ['on', 'off']],
                  ['brotli', ['on', 'off']],
                ] as const
              ).map(([key, values]) => (
                <Field key={key} label={key} name={`params.settings.${key}`} error={err}>
                  {(p) => (
                    <Select {...p} value={settings[key] ?? ''} onChange={(e) => setSettings((s) => ({ ...s, [key]: e.target.value }))}>
                      <option value="">Unchanged</option>
                      {values.map((v) => (
                        <option key={v}>{v}</option>
                      ))}
                    </Select>
                  )}
                </Field>
              ))}
              <FieldMsg error={err} name="params.settings" exact />
            </div>
          ) : (
            <Field label="URLs to purge (one per line; empty purges everything)" name="params.files" error={err}>
              {(p) => <Textarea {...p} rows={5} value={purgeFiles} onChange={(e) => setPurgeFiles(e.target.value)} placeholder="https://example.com/app.js" />}
            </Field>
          )}
          <Field
            label="Safety threshold (%)"
            name="safetyThreshold"
            error={err}
            className="mt-5 max-w-xs"
            hint="A zone whose plan touches more than this share of its records needs a typed confirmation to apply."
          >
            {(p) => <Input {...p} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}
          </Field>
        </Step>

        <ErrorAlert
          error={err}
          fields={['accountId', 'zones', 'zoneFilter', 'safetyThreshold', 'params.match', 'params.set', 'params.csv', 'params.bind', 'params.settings', 'params.files', 'params.everything', 'kind']}
        />
        <div className="flex justify-end">
          <Button type="submit" loading={plan.isPending}>
            <Wand2 className="size-4" aria-hidden /> Plan and preview
          </Button>
        </div>
      </form>
    </>
  );
}

function Step({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          <span className="flex size-6 items-center justify-center rounded-full bg-orange-600 text-xs text-white">{n}</span>
          {title}
        </span>
      }
    >
      {children}
    </Card>
  );
}

/** A field error for a group (e.g. a refine on `params.set`) that no single input shows. */
function FieldMsg({ error, name, exact }: { error: unknown; name: string; exact?: boolean }) {
  if (!error || typeof error !== 'object' || !('fieldErrors' in error)) return null;
  const issues = (error as { fieldErrors: { field: string; message: string }[] }).fieldErrors.filter((f) => (exact ? f.field === name : f.field.startsWith(name)));
  if (!issues.length) return null;
  return (
    <p className="text-sm text-red-600" data-field-error={name}>
      {issues.map((i) => i.message).join('; ')}
    </p>
  );
}

function MatchFields({ match, onChange, error }: { match: MatchForm; onChange: (m: MatchForm) => void; error: unknown }) {
  const set = <K extends keyof MatchForm>(k: K, v: MatchForm[K]) => onChange({ ...match, [k]: v });
  const modes = (
    <>
      <option value="exact">is exactly</option>
      <option value="contains">contains</option>
      <option value="pattern">matches glob (* ?)</option>
    </>
  );
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold text-slate-800">Match records</legend>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-[10rem_1fr]">
        <Field label="Name match" name="params.match.name.mode" error={error}>
          {(p) => (
            <Select {...p} value={match.nameMode} onChange={(e) => set('nameMode', e.target.value as MatchMode)}>
              {modes}
            </Select>
          )}
        </Field>
        <Field label="Name" name="params.match.name.value" error={error}>
          {(p) => <Input {...p} className="font-mono" placeholder="www" value={match.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Content match" name="params.match.content.mode" error={error}>
          {(p) => (
            <Select {...p} value={match.contentMode} onChange={(e) => set('contentMode', e.target.value as MatchMode)}>
              {modes}
            </Select>
          )}
        </Field>
        <Field label="Content" name="params.match.content.value" error={error}>
          {(p) => <Input {...p} className="font-mono" placeholder="192.0.2.1" value={match.content} onChange={(e) => set('content', e.target.value)} />}
        </Field>
      </div>
      <div>
        <p className="mb-1 text-sm font-medium text-slate-700" id="types-label">
          Types (none = any)
        </p>
        <div className="flex flex-wrap gap-3" role="group" aria-labelledby="types-label">
          {DNS_TYPES.map((t) => (
            <label key={t} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                name="params.match.types"
                checked={match.types.includes(t)}
                onChange={(e) => set('types', e.target.checked ? [...match.types, t] : match.types.filter((x) => x !== t))}
              />
              {t}
            </label>
          ))}
        </div>
      </div>
      <FieldMsg error={error} name="params.match" exact />
    </fieldset>
  );
}

function ZonePicker({ accountId, selected, onChange, error }: { accountId: string; selected: Set<string>; onChange: (s: Set<string>) => void; error: unknown }) {
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const debounced = useDebounced(search.trim());
  useEffect(() => setPage(1), [debounced]);
  const zones = useZones(accountId, { search: debounced || undefined, page, perPage: 20 });
  const rows = zones.data?.zones ?? [];
  const toggle = (id: string) => {
    const n = new Set(selected);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    onChange(n);
  };
  const allOnPage = rows.length > 0 && rows.every((z) => selected.has(z.id));
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="relative w-full sm:max-w-xs">
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-400" aria-hidden />
          <label htmlFor="zp-search" className="sr-only">
            Search zones
          </label>
          <Input id="zp-search" type="search" className="pl-8" placeholder="Search zones" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <Button
          size="sm"
          variant="secondary"
          disabled={!rows.length}
          onClick={() => {
            const n = new Set(selected);
            for (const z of rows) {
              if (allOnPage) n.delete(z.id);
              else n.add(z.id);
            }
            onChange(n);
          }}
        >
          {allOnPage ? 'Clear this page' : 'Select this page'}
        </Button>
        <span className="text-sm text-slate-600" aria-live="polite">
          {selected.size} selected
        </span>
      </div>
      {zones.isPending ? (
        <SkeletonRows rows={4} label="Loading zones" />
      ) : zones.isError ? (
        <ErrorAlert error={zones.error} />
      ) : rows.length === 0 ? (
        <p className="text-sm text-slate-600">No zones{debounced ? ' match that search' : ''}.</p>
      ) : (
        <ul className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-3" aria-label="Zones">
          {rows.map((z) => (
            <li key={z.id}>
              <label className={cx('flex items-center gap-2 rounded-md px-3 py-2 text-sm ring-1', selected.has(z.id) ? 'bg-orange-50 ring-orange-300' : 'ring-slate-200')}>
                <input type="checkbox" name="zones" value={z.id} checked={selected.has(z.id)} onChange={() => toggle(z.id)} />
                <span className="truncate">{z.name}</span>
                {selected.has(z.id) ? <Check className="ml-auto size-4 text-orange-600" aria-hidden /> : null}
              </label>
            </li>
          ))}
        </ul>
      )}
      {zones.data ? <Pager page={page} totalPages={zones.data.totalPages} onPage={setPage} /> : null}
      <FieldMsg error={error} name="zones" />
    </div>
  );
}
