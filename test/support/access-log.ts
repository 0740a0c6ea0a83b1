/**
 * The API-access log fills after the answer: the call's access line reaches the access-log
 * ingest through the log subscription (every ~200 ms locally), so a test reading the log right
 * after a call polls until what it expects is there.
 */
import type { AccessItem } from '../../functions/access-log/entities';
import { call } from './http';

export const accessLogPath = (workspaceId: string, query = '') => `/api/v1/workspaces/${workspaceId}/access-log${query ? `?${query}` : ''}`;

/** GET the workspace's access log (newest 100, or `query`) every 100 ms until `until` holds; throws after `ms`. */
export async function waitForAccessLog(token: string, workspaceId: string, until: (entries: AccessItem[]) => boolean, o: { query?: string; ms?: number } = {}): Promise<AccessItem[]> {
  const end = Date.now() + (o.ms ?? 10_000);
  for (;;) {
    const r = await call('GET', accessLogPath(workspaceId, o.query ?? 'limit=100'), { token });
    if (r.status !== 200) throw new Error(`GET access log of ${workspaceId}: ${r.status} ${r.text}`);
    const entries = r.body.entries as AccessItem[];
    if (until(entries)) return entries;
    if (Date.now() > end) throw new Error(`access log of ${workspaceId} never held the expected entries; it holds ${JSON.stringify(entries.map((e) => [e.operationId, e.status]))}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
