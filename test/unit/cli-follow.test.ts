/**
 * Following a job (clients/cli/job-flow.ts `followJob`): each phase's bar is fed from GET /jobs/{id};
 * a phase the job went past between two polls is shown complete before the next phase's bar (the
 * drift check used to stay at "0/18" once the job was queued), while a phase the job fell back from
 * (a refused check goes back to `planned`) is not.
 */
import type { FlarevaultApi, Job } from '../../clients/cli/api';
import { followJob } from '../../clients/cli/job-flow';
import type { Progress } from '../../clients/cli/progress';

const base: Job = {
  id: 'j0000000000000000000000',
  kind: 'dns-sync',
  accountId: 'acct000000',
  status: 'checking',
  mode: 'server',
  createdAt: '2026-11-29T00:00:00.000Z',
  appliedAt: null,
  finishedAt: null,
  safetyThreshold: 0.3,
  needsForce: false,
  plan: { zones: [], zonesTotal: 18, zonesRefused: 0, totalChanges: 252, chunks: 18, chunkNumbers: null },
  planning: null,
  checking: { zonesTotal: 18, zonesChecked: 0 },
  problem: null,
  counts: { total: 252, done: 0, failed: 0, skipped: 0, cancelled: 0 },
  throughput: null,
  revertOf: null,
  revertedBy: null,
  plannedBy: null,
  approvedBy: null,
  approvedAt: null,
};

function recorder(): Progress & { calls: string[] } {
  const calls: string[] = [];
  return { calls, update: (phase, value, total) => void calls.push(`${phase} ${value}/${total}`), stop: () => void calls.push('stop') };
}

async function follow(states: Job[]): Promise<string[]> {
  const [first, ...rest] = states;
  const api = { job: async () => rest.shift()! } as unknown as FlarevaultApi;
  const progress = recorder();
  await followJob(api, first!, new Set<Job['status']>(['checking', 'queued', 'running']), { progress, sleep: async () => undefined });
  return progress.calls;
}

describe('followJob', () => {
  it('completes the drift-check bar when the job is queued between two polls', async () => {
    const calls = await follow([
      base,
      { ...base, status: 'queued', checking: null },
      { ...base, status: 'done', checking: null, counts: { ...base.counts, done: 252 }, throughput: 400 },
    ]);
    expect(calls).toEqual(['checking 0/18', 'checking 18/18', 'applying 0/252', 'applying 252/252', 'stop']);
  });

  it('leaves the bar where it was when the check sends the job back to planned', async () => {
    const calls = await follow([{ ...base, checking: { zonesTotal: 18, zonesChecked: 5 } }, { ...base, status: 'planned', checking: null, problem: { code: 'plan-drifted', message: 'drifted' } }]);
    expect(calls).not.toContain('checking 18/18');
  });
});
