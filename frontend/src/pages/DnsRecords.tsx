import { useMutation } from '@tanstack/react-query';
import { ChevronLeft, Download, Plus } from 'lucide-react';
import { useState } from 'react';
import { sendOperation } from '../api/operations';
import { useDnsRecords } from '../api/queries';
import { ActionTable } from '../components/ActionTable';
import { DeniedReason } from '../components/Denied';
import { Pager } from '../components/Pager';
import { QueryState } from '../components/QueryState';
import { Button, Card, EmptyState, ErrorAlert, PageHeader } from '../components/ui';
import { Link, setQuery, useLocation, type Params } from '../lib/router';
import { useCan } from '../lib/workspace';
import { DnsFilters } from './dns-records/DnsFilters';
import { RecordRow } from './dns-records/RecordRow';
import { AddRecordDialog } from './dns-records/AddRecordDialog';

/** `/accounts/:id/zones/:zoneId`: the zone's DNS table with URL-kept filters, inline edit, add and BIND export. */
export default function DnsRecords({ params }: { params: Params }) {
  const accountId = params.id!;
  const zoneId = params.zoneId!;
  const { query } = useLocation();
  const zoneName = query.get('zone') ?? zoneId;
  const page = Math.max(1, Number(query.get('page')) || 1);
  const filters = {
    name: query.get('name') || undefined,
    type: query.get('type') || undefined,
    content: query.get('content') || undefined,
    proxied: query.get('proxied') || undefined,
  };
  const records = useDnsRecords(accountId, zoneId, { ...filters, page, perPage: 50 });
  const [adding, setAdding] = useState(false);
  const dnsGate = useCan('dns.write');
  const download = useMutation({
    mutationFn: async () => {
      const res = await sendOperation('exportZoneBind', { params: { id: accountId, zoneId } });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${zoneName}.zone`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });

  return (
    <>
      <PageHeader
        title={zoneName}
        description={
          <Link to={`/accounts/${accountId}/zones`} className="inline-flex items-center gap-1 text-orange-700 underline">
            <ChevronLeft className="size-3.5" aria-hidden /> Zones
          </Link>
        }
        actions={
          <>
            <DeniedReason id="dns-denied" reason={dnsGate.reason ? `${dnsGate.reason} to edit DNS` : null} />
            <Button onClick={() => setAdding(true)} disabled={!dnsGate.allowed} aria-describedby={dnsGate.reason ? 'dns-denied' : undefined}>
              <Plus className="size-4" aria-hidden /> Add record
            </Button>
            <Button variant="secondary" onClick={() => download.mutate()} loading={download.isPending}>
              <Download className="size-4" aria-hidden /> Export BIND
            </Button>
          </>
        }
      />
      <ErrorAlert error={download.error} className="mb-4" />
      <AddRecordDialog open={adding} onOpenChange={setAdding} accountId={accountId} zoneId={zoneId} />
      <Card>
        <DnsFilters />
        <QueryState
          query={records}
          rows={8}
          loading="Loading DNS records"
          isEmpty={(d) => d.records.length === 0}
          empty={
            <EmptyState title={Object.values(filters).some(Boolean) ? 'No record matches these filters' : 'No DNS records yet'}>
              {Object.values(filters).some(Boolean) ? 'Clear a filter to see more.' : 'Add a record, or import a BIND file with a bulk job.'}
            </EmptyState>
          }
        >
          {(d) => (
            <>
              <p className="mb-2 text-sm text-slate-500">{d.totalCount} records</p>
              <ActionTable
                label="DNS records"
                columns={['Type', 'Name', 'Content', { label: 'TTL', className: 'hidden sm:table-cell' }, { label: 'Proxy', className: 'hidden sm:table-cell' }]}
              >
                {d.records.map((r) => (
                  <RecordRow key={r.id} record={r} accountId={accountId} zoneId={zoneId} />
                ))}
              </ActionTable>
              <Pager page={page} totalPages={d.totalPages} onPage={(p) => setQuery({ page: p > 1 ? String(p) : undefined })} />
            </>
          )}
        </QueryState>
      </Card>
    </>
  );
}
