/**
 * Workspace items. In the workspace's partition (`T#workspace#<id>`):
 *   WORKSPACE#profile   name (encrypted: personal data), tier, personal flag
 *   MEMBER#<userId>     role and a revision (bumped by every role change)
 * In each member's user partition (`T#user#<id>`):
 *   WSLINK#<workspaceId> pointer for "my workspaces"; the membership item is
 *                        the truth (a link without one is ignored)
 * Every membership change also updates the workspace item (its version), in
 * one transaction: concurrent changes serialise, so the owner count read
 * before a change is still true when it commits.
 */
import { defineEntity } from '../data/entity';
import type { Role } from '../contracts/workspaces';
import type { Tier } from '../platform/tiers';

export interface WorkspaceItem {
  name: string;
  tier: Tier;
  /** The workspace made at signup: its id is its user's id; it cannot be deleted or left. */
  personal: boolean;
  createdBy: string;
  createdAt: string;
  /** Bumped by every membership change (the serialisation point). */
  membersRevision: number;
  /** Two-person rule: a job is applied only after a member other than its planner (ADMIN+) approves it. Absent = off. */
  twoPersonRule?: boolean;
}
export const WorkspaceEntity = defineEntity<WorkspaceItem>({ name: 'workspace', skPrefix: 'WORKSPACE#', encrypted: ['name'] });
export const WORKSPACE_SK = 'WORKSPACE#profile';

export interface MemberItem {
  role: Role;
  joinedAt: string;
  /** Bumped by every role change. */
  revision: number;
}
export const MemberEntity = defineEntity<MemberItem>({ name: 'workspace-member', skPrefix: 'MEMBER#', encrypted: [] });
export const memberSk = (userId: string) => `MEMBER#${userId}`;

export interface WorkspaceLinkItem {
  workspaceId: string;
  createdAt: string;
}
export const WorkspaceLinkEntity = defineEntity<WorkspaceLinkItem>({ name: 'workspace-link', skPrefix: 'WSLINK#', encrypted: [] });
export const workspaceLinkSk = (workspaceId: string) => `WSLINK#${workspaceId}`;
