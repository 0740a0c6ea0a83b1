import type { AuditEvent } from '../api/types';
import { Table, cx, formatTime, td, th } from './ui';

/** Audit events (the account's or a workspace's): type with metadata, time, origin. */
export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <Table label="Audit events">
      <thead>
        <tr>
          <th className={th}>Event</th>
          <th className={th}>When</th>
          <th className={`${th} hidden md:table-cell`}>From</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {events.map((e) => (
          <tr key={e.seq}>
            <td className={td}>
              <code className="font-mono text-xs">{e.type}</code>
              {Object.keys(e.metadata).length ? (
                <p className={cx('mt-0.5 font-mono text-[11px] break-all text-slate-500')}>{JSON.stringify(e.metadata)}</p>
              ) : null}
            </td>
            <td className={`${td} text-xs whitespace-nowrap`}>
              <time dateTime={e.time} title={e.time}>
                {formatTime(e.time)}
              </time>
            </td>
            <td className={`${td} hidden text-xs text-slate-500 md:table-cell`}>
              {e.ip ?? ''} <span className="block max-w-xs truncate">{e.userAgent ?? ''}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
