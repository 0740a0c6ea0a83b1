import { useMembers } from '../../api/queries';
import type { Workspace } from '../../api/types';
import { Card, ErrorAlert, SkeletonRows, Table, th } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { MemberRow } from './MemberRow';

/** Members and their roles (members are named by user id: the members route returns no email). */
export function MembersCard({ workspace: w }: { workspace: Workspace }) {
  const members = useMembers(w.id);
  const { user } = useAuth();
  return (
    <Card title="Members">
      {members.isPending ? (
        <SkeletonRows rows={3} label="Loading members" />
      ) : members.isError ? (
        <ErrorAlert error={members.error} />
      ) : (
        <Table label="Members">
          <thead>
            <tr>
              <th className={th}>Member</th>
              <th className={th}>Role</th>
              <th className={`${th} hidden sm:table-cell`}>Joined</th>
              <th className={th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {members.data.members.map((m) => (
              <MemberRow key={m.userId} workspace={w} member={m} self={m.userId === user?.id} />
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
