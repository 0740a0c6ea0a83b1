/** The permission matrix: one table in code, the same table in docs/security.md; assertCan's 403. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../functions/errors';
import { assertCan, can, PERMISSIONS, permissionTable, SUPPORT_ACTIONS } from '../../functions/workspaces/permissions';

it('docs/security.md holds exactly the matrix of the code', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
  const m = /<!-- permission-matrix:start -->\n([\s\S]*?)\n<!-- permission-matrix:end -->/.exec(doc);
  expect(m?.[1]).toBe(permissionTable());
});

it('OWNER can everything; USER reads, plans and sees jobs only', () => {
  for (const a of Object.keys(PERMISSIONS) as (keyof typeof PERMISSIONS)[]) expect(can({ role: 'OWNER' }, a)).toBe(true);
  const userCan = (Object.keys(PERMISSIONS) as (keyof typeof PERMISSIONS)[]).filter((a) => can({ role: 'USER' }, a));
  expect(userCan.sort()).toEqual(['applications.read', 'cloudflare.accounts.read', 'dns.read', 'jobs.plan', 'jobs.read', 'members.read', 'workspace.read']);
  expect(can({ role: 'ADMIN' }, 'workspace.delete')).toBe(false);
  expect(can({ role: 'ADMIN' }, 'jobs.apply')).toBe(true);
});

it('assertCan answers 403 forbidden naming the role needed', () => {
  try {
    assertCan({ role: 'USER' }, 'jobs.apply');
    throw new Error('allowed');
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('forbidden');
    expect((err as DomainError).options.extra).toEqual({ action: 'jobs.apply', requiredRole: 'ADMIN', role: 'USER' });
  }
});

it('SUPPORT holds only the reads of SUPPORT_ACTIONS, and each only for the action its actor was made (and audited) for', () => {
  expect([...SUPPORT_ACTIONS].sort()).toEqual(['logs.read', 'members.read', 'workspace.read']);
  for (const a of Object.keys(PERMISSIONS) as (keyof typeof PERMISSIONS)[]) {
    expect(can({ role: 'SUPPORT', supportAction: a }, a)).toBe(SUPPORT_ACTIONS.includes(a));
  }
  expect(can({ role: 'SUPPORT', supportAction: 'logs.read' }, 'members.read')).toBe(false);
  expect(can({ role: 'SUPPORT' }, 'workspace.read')).toBe(false);
  expect(() => assertCan({ role: 'SUPPORT', supportAction: 'workspace.read' }, 'workspace.rename')).toThrow(/read-only/);
});
