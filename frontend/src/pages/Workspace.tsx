import { Badge, Button, EmptyState, PageHeader, SkeletonRows } from '../components/ui';
import { Link } from '../lib/router';
import { useActiveWorkspace } from '../lib/workspace';
import { DangerZone } from './workspace/DangerZone';
import { InvitesCard } from './workspace/InvitesCard';
import { MembersCard } from './workspace/MembersCard';
import { RenameCard } from './workspace/RenameCard';
import { SettingsCard } from './workspace/SettingsCard';

/** `/workspace`: the active workspace's name, members and roles, leave and delete. */
export default function WorkspacePage() {
  const { workspace: w, isPending } = useActiveWorkspace();
  if (isPending) {
    return (
      <>
        <PageHeader title="Workspace" />
        <SkeletonRows rows={4} label="Loading workspace" />
      </>
    );
  }
  if (!w) return <EmptyState title="No active workspace">Choose one in the workspace switcher.</EmptyState>;
  return (
    <>
      <PageHeader
        title={w.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            Workspace · your role <Badge color="blue">{w.role}</Badge> · tier {w.tier}
            {w.personal ? <Badge>personal</Badge> : null}
          </span>
        }
        actions={
          <>
            <Button asChild variant="secondary">
              <Link to="/workspace/applications">Applications</Link>
            </Button>
            <Button asChild variant="secondary">
              <Link to="/workspace/access-log">API-access log</Link>
            </Button>
            <Button asChild variant="secondary">
              <Link to="/workspace/audit">Audit log</Link>
            </Button>
          </>
        }
      />
      <div className="space-y-6">
        <RenameCard key={`${w.id}:${w.name}`} workspace={w} />
        <MembersCard workspace={w} />
        <InvitesCard workspace={w} />
        <SettingsCard workspace={w} />
        <DangerZone workspace={w} />
      </div>
    </>
  );
}
