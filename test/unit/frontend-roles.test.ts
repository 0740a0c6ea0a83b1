/**
 * The dashboard's runtime copy of the roles and of the minimum roles it gates
 * (frontend/src/api/roles.ts) agrees with the server's permission matrix, and
 * the member rules give the reasons the Workspace page shows.
 */
import { ROLES as CONTRACT_ROLES } from '../../functions/contracts/workspaces';
import { PERMISSIONS, atLeast as serverAtLeast } from '../../functions/workspaces/permissions';
import { ROLES, UI_PERMISSIONS, atLeast, deniedReason } from '../../frontend/src/api/roles';
import { changeRoleReason, grantableRoles, removeReason } from '../../frontend/src/pages/workspace/memberRules';

const member = (role: 'OWNER' | 'ADMIN' | 'USER') => ({ userId: 'u1', role, joinedAt: '2026-01-01T00:00:00.000Z' });

test('the role order is the contract’s', () => {
  expect([...ROLES]).toEqual([...CONTRACT_ROLES]);
  for (const a of ROLES) for (const b of ROLES) expect(atLeast(a, b)).toBe(serverAtLeast(a, b));
});

test('every action the UI gates exists on the server with the same minimum role', () => {
  for (const [action, min] of Object.entries(UI_PERMISSIONS)) {
    expect({ action, min: PERMISSIONS[action as keyof typeof PERMISSIONS] }).toEqual({ action, min });
  }
});

test('the reason names the role needed, and is null when allowed', () => {
  expect(deniedReason('USER', 'jobs.apply')).toBe('Needs ADMIN');
  expect(deniedReason('ADMIN', 'jobs.apply')).toBeNull();
  expect(deniedReason('ADMIN', 'workspace.delete')).toBe('Needs OWNER');
  expect(deniedReason('USER', 'dns.write')).toBe('Needs ADMIN');
  expect(deniedReason(undefined, 'jobs.apply')).toBeNull();
});

test('member rules: USER manages nobody, ADMIN manages non-owners and cannot grant OWNER, OWNER does all', () => {
  expect(changeRoleReason('USER', member('USER'))).toBe('Needs ADMIN');
  expect(changeRoleReason('ADMIN', member('USER'))).toBeNull();
  expect(changeRoleReason('ADMIN', member('OWNER'))).toBe('Needs OWNER');
  expect(removeReason('ADMIN', member('OWNER'))).toBe('Needs OWNER');
  expect(removeReason('OWNER', member('OWNER'))).toBeNull();
  expect(grantableRoles('ADMIN')).toEqual(['ADMIN', 'USER']);
  expect(grantableRoles('OWNER')).toEqual(['OWNER', 'ADMIN', 'USER']);
  expect(grantableRoles('USER')).toEqual([]);
});
