/** The per-plan facts table (functions/cloudflare/plans.ts): batch size, record quota, tags. */
import { batchLimitFor, planFacts } from '../../functions/cloudflare/plans';

const FREE_ID = '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

describe('planFacts', () => {
  test('Free: 200 changes per batch, no tags; 200 records for zones created from 2024-09-01 00:00 UTC, 1,000 before', () => {
    expect(planFacts({ legacy_id: 'free' }, '2024-09-01T00:00:00Z')).toEqual({ batchLimit: 200, recordQuota: 200, tagsAllowed: false });
    expect(planFacts({ legacy_id: 'free' }, '2024-08-31T23:59:59.999Z').recordQuota).toBe(1000);
    expect(planFacts({ id: FREE_ID }, '2019-01-01T00:00:00Z').recordQuota).toBe(1000);
    expect(planFacts({ name: 'Free Website' }, '2025-03-01T00:00:00Z').recordQuota).toBe(200);
  });

  test('a zone whose plan or creation time cannot be read counts as a new Free zone (the strictest)', () => {
    expect(planFacts(undefined)).toEqual({ batchLimit: 200, recordQuota: 200, tagsAllowed: false });
    expect(planFacts({ legacy_id: 'free' }, 'not a date').recordQuota).toBe(200);
  });

  test('Pro and Business: 3,500 records and changes per batch, tags; Enterprise: quota unknown (raised per contract)', () => {
    for (const legacy_id of ['pro', 'business']) expect(planFacts({ legacy_id })).toEqual({ batchLimit: 3500, recordQuota: 3500, tagsAllowed: true });
    expect(planFacts({ legacy_id: 'enterprise' })).toEqual({ batchLimit: 3500, recordQuota: null, tagsAllowed: true });
    expect(planFacts({ name: 'Enterprise Website' }).recordQuota).toBeNull();
    expect(batchLimitFor({ legacy_id: 'business' })).toBe(3500);
  });
});
