/**
 * What the caller may do to one member, mirroring the server's rules
 * (members.manage is ADMIN; touching an OWNER or granting OWNER is
 * workspace.transfer, OWNER). Each answer is null (allowed) or the reason shown.
 */
import { deniedReason, ROLES } from '../../api/roles';
import type { CallerRole, Member, Role } from '../../api/types';

export function changeRoleReason(me: CallerRole, target: Member): string | null {
  return deniedReason(me, target.role === 'OWNER' ? 'workspace.transfer' : 'members.manage');
}

/** The roles the caller may give (OWNER only by an OWNER). */
export function grantableRoles(me: CallerRole): Role[] {
  return ROLES.filter((r) => deniedReason(me, r === 'OWNER' ? 'workspace.transfer' : 'members.manage') === null);
}

export function removeReason(me: CallerRole, target: Member): string | null {
  return changeRoleReason(me, target);
}
