/** The access log's ports on a repository: the API functions (listing) and the ingest (writing) share them. */
import type { Repository } from '../data/repository';
import { createWorkspaceStore } from '../workspaces/store';
import type { AccessLogDeps } from './access-log';

export function accessLogDeps(repo: Repository): AccessLogDeps {
  const store = createWorkspaceStore(repo);
  return { repo, tierOf: async (workspaceId) => (await store.getWorkspace(workspaceId))?.tier };
}
