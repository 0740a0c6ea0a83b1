/**
 * Run the Cloudflare sandbox on its own:
 *   tsx lib/local/cloudflare/main.ts --port 8788 --seed demo [--zones 20 --records 150 --plan pro]
 *        [--time-scale 10] [--persist .flarevault/cloudflare.json] [--admin-token secret]
 *        [--rate-limit 1200 --window-seconds 300] [--log-limit 20000]
 */
import { startCloudflareSandbox, type CloudflareSandboxOptions } from './index';
import type { PlanName } from './types';

function args(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) out.set(k, inline);
    else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) out.set(k, argv[++i]!);
    else out.set(k, 'true');
  }
  return out;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const num = (k: string, d?: number) => {
    const v = a.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} must be a number`);
    return n;
  };
  const seedArg = a.get('seed') ?? 'demo';
  const opts: CloudflareSandboxOptions = {
    port: num('port', 8788),
    timeScale: num('time-scale', 1),
    persistPath: a.get('persist'),
    adminToken: a.get('admin-token'),
    rateLimit: { limit: num('rate-limit', 1200), windowSeconds: num('window-seconds', 300) },
    logLimit: num('log-limit'),
    seed:
      seedArg === 'demo'
        ? 'demo'
        : seedArg === 'none'
          ? undefined
          : { zones: num('zones', 5), recordsPerZone: num('records', 20), plan: (a.get('plan') as PlanName | undefined) ?? 'free' },
  };
  const sb = await startCloudflareSandbox(opts);
  const token = sb.tokens[0]?.value;
  process.stdout.write(
    `Cloudflare sandbox ready at ${sb.url} (admin ${sb.origin}/__sandbox/)` +
      (token ? ` — token ${token}` : '') +
      `\n  CLOUDFLARE_BASE_URL=${sb.url}${token ? ` CLOUDFLARE_API_TOKEN=${token}` : ''}\n`,
  );
  const stop = () => {
    void sb.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
