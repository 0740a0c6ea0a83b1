import { useMembers } from '../../api/queries';
import type { Workspace } from '../../api/types';
import { ActionTable } from '../../components/ActionTable';
import { QueryState } from '../../components/QueryState';
import { Card } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { MemberRow } from './MemberRow';

/** Members and their roles (members are named by user id: the members route returns no email). */
export function MembersCard({ workspace: w }: { workspace: Workspace }) {
  const members = useMembers(w.id);
  const { user } = useAuth();
  return (
    <Card title="Members">
      <QueryState query={members} rows={3} loading="Loading members">
        {(d) => (
          <ActionTable label="Members" columns={['Member', 'Role', { label: 'Joined', className: 'hidden sm:table-cell' }]}>
            {d.members.map((m) => (
              <MemberRow key={m.userId} workspace={w} member={m} self={m.userId === user?.id} />
            ))}
          </ActionTable>
        )}
      </QueryState>
    </Card>
  );
}
