import type { ReactNode } from 'react';
import { Card } from '../../components/ui';

/** One numbered card of the builder. */
export function Step({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          <span className="flex size-6 items-center justify-center rounded-full bg-orange-600 text-xs text-white">{n}</span>
          {title}
        </span>
      }
    >
      {children}
    </Card>
  );
}
