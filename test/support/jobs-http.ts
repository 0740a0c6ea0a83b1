/**
 * Jobs over HTTP: planning and apply's drift check run on the tier queue, so a client polls
 * GET /jobs/{id} until they are over (as the dashboard does). Shared by the HTTP job tests.
 */
import { call, signUpWithToken, type CallResult } from './http';

/** GET /jobs/{id} every 250 ms until `until` holds (or throws after `ms`). */
export async function waitForJob(token: string, id: string, until: (job: any) => boolean, ms = 60_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await call('GET', `/api/v1/jobs/${id}`, { token });
    if (r.status !== 200) throw new Error(`GET job ${id}: ${r.status} ${r.text}`);
    if (until(r.body.job)) return r.body.job;
    if (Date.now() > end) throw new Error(`job ${id} still ${r.body.job.status}: ${JSON.stringify(r.body.job.counts)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** POST /api/v1/jobs, then wait until planning is over: the POST's answer with the job as planned (or plan-failed). */
export async function planOverHttp(token: string, body: unknown): Promise<CallResult> {
  const r = await call('POST', '/api/v1/jobs', { token, body });
  if (r.status !== 201) return r;
  const job = await waitForJob(token, r.body.job.id, (j) => j.status !== 'planning');
  return { ...r, body: { ...r.body, job } };
}

/** POST /jobs/{id}/apply, then wait until the drift check is over: the answer with the job as queued/running (or back to planned). */
export async function applyOverHttp(token: string, id: string, body: unknown = {}): Promise<CallResult> {
  const r = await call('POST', `/api/v1/jobs/${id}/apply`, { token, body });
  if (r.status !== 202) return r;
  const job = await waitForJob(token, id, (j) => j.status !== 'checking');
  return { ...r, body: { ...r.body, job } };
}

/** A new user with one connected sandbox account (3 demo zones: pro, free, business) and its zones. */
export async function userWithSandbox(label = 'Jobs demo') {
  const user = await signUpWithToken();
  const created = await call('POST', '/api/v1/cloudflare/accounts', { token: user.token, body: { name: label, sandbox: true } });
  if (created.status !== 201) throw new Error(`sandbox account: ${created.status} ${created.text}`);
  const account = created.body.account as { id: string };
  const zones = await call('GET', `/api/v1/cloudflare/accounts/${account.id}/zones`, { token: user.token });
  return { ...user, account, zones: zones.body.zones as Array<{ id: string; name: string; plan: string }> };
}
