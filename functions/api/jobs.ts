/** Bulk jobs: plan, preview, apply, browser-paced chunks, cancel, retry, revert (thin: parse → domain → HTTP). */
import * as c from '../contracts/jobs';
import { bind, httpFunction } from '../http/handler';
import { accessRecorder } from './access-recorder';
import { identityFromEnv } from '../identity/from-env';
import { applyJob } from '../jobs/apply';
import { approveJob } from '../jobs/approve';
import { applyChunkNow } from '../jobs/browser-chunk';
import { cancelJob } from '../jobs/cancel';
import { jobsFromEnv } from '../jobs/from-env';
import { planJob } from '../jobs/plan';
import { getJob, listEvents, listItems, listJobs, listZones } from '../jobs/queries';
import { listJobRows } from '../jobs/reads';
import { retryJob } from '../jobs/retry';
import { revertJob } from '../jobs/revert';
import { actorOf } from '../tenancy/actor';
import type { Tenant } from '../tenancy/tenant';

const deps = jobsFromEnv();
const { authenticate } = identityFromEnv();

export const handler = httpFunction(
  'jobs',
  [
    bind(c.createJob, async (req) => ({ status: 201, body: { job: await planJob(deps, actorOf(req.principal), req.body) } })),
    bind(c.listJobs, async (req) => ({ body: await listJobs(deps, actorOf(req.principal), req.query, req.prefetched) }), {
      // The list's Query runs alongside authentication (functions/http/prefetch.ts).
      prefetch: (tenantGuess: Tenant, _params: unknown, query: Parameters<typeof listJobRows>[2]) => listJobRows(deps, tenantGuess, query),
    }),
    bind(c.getJob, async (req) => ({ body: { job: await getJob(deps, actorOf(req.principal), req.params.id) } })),
    bind(c.listJobItems, async (req) => ({ body: await listItems(deps, actorOf(req.principal), req.params.id, req.query) })),
    bind(c.listJobZones, async (req) => ({ body: await listZones(deps, actorOf(req.principal), req.params.id, req.query) })),
    bind(c.listJobEvents, async (req) => ({ body: { events: await listEvents(deps, actorOf(req.principal), req.params.id) } })),
    bind(c.applyJob, async (req) => ({ status: 202, body: { job: await applyJob(deps, actorOf(req.principal), req.params.id, req.body) } })),
    bind(c.applyJobChunk, async (req) => ({
      body: { job: await applyChunkNow(deps, actorOf(req.principal), req.params.id, req.params.n, `req-${req.requestId}`) },
    })),
    bind(c.cancelJob, async (req) => ({ body: { job: await cancelJob(deps, actorOf(req.principal), req.params.id) } })),
    bind(c.retryJob, async (req) => ({ status: 202, body: { job: await retryJob(deps, actorOf(req.principal), req.params.id) } })),
    bind(c.approveJob, async (req) => ({ body: { job: await approveJob(deps, actorOf(req.principal), req.params.id) } })),
    bind(c.revertJob, async (req) => ({ status: 201, body: { job: await revertJob(deps, actorOf(req.principal), req.params.id) } })),
  ],
  { authenticate, recordAccess: accessRecorder() },
);
