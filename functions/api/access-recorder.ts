/**
 * The API-access log recorder every api module hands the handler toolkit
 * (`httpFunction(…, { authenticate, recordAccess: accessRecorder(data) })`):
 * the toolkit never imports a domain, so the domain writer is injected here.
 */
import { recordAccess, type AccessLogDeps } from '../access-log/access-log';
import type { DataLayer } from '../data/from-env';
import type { AccessRecord } from '../tenancy/principal';
import { createWorkspaceStore } from '../workspaces/store';

export function accessLogDeps(data: Pick<DataLayer, 'repo'>): AccessLogDeps {
  const store = createWorkspaceStore(data.repo);
  return { repo: data.repo, tierOf: async (workspaceId) => (await store.getWorkspace(workspaceId))?.tier };
}

export function accessRecorder(data: Pick<DataLayer, 'repo'>): (entry: AccessRecord) => Promise<void> {
  const deps = accessLogDeps(data);
  return (entry) => recordAccess(deps, entry);
}
