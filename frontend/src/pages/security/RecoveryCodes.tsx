import { Copy, Download } from 'lucide-react';
import { Button, Card, Notice } from '../../components/ui';

/** The recovery codes, shown once after two-factor is confirmed, with copy and download (a data: URL, CSP-safe). */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = codes.join('\n');
  return (
    <Card title="Save your recovery codes">
      <Notice tone="warning" className="mb-4">
        These codes are shown once. Each one signs you in a single time if you lose your authenticator. Store them somewhere safe.
      </Notice>
      <ul className="mb-4 grid grid-cols-2 gap-2 font-mono text-sm sm:grid-cols-5" aria-label="Recovery codes" data-recovery-codes>
        {codes.map((c) => (
          <li key={c} className="rounded bg-slate-100 px-2 py-1 text-center">
            {c}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(text)}>
          <Copy className="size-4" aria-hidden /> Copy
        </Button>
        <Button variant="secondary" asChild>
          <a href={`data:text/plain;charset=utf-8,${encodeURIComponent(text + '\n')}`} download="flarevault-recovery-codes.txt">
            <Download className="size-4" aria-hidden /> Download
          </a>
        </Button>
        <Button onClick={onDone}>I saved them</Button>
      </div>
    </Card>
  );
}
