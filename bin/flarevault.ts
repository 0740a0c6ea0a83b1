/**
 * `flarevault`: the CLI (clients/cli/, docs/cli.md). This entry hands the contract schemas the input
 * files are checked with to the commands (clients/ imports only contract types), and is what
 * `npm run build:cli` bundles into dist/cli/flarevault.cjs (the package's `bin`).
 */
import { ZonesFile } from '../functions/contracts/dns-sync';
import { CreateJobBody } from '../functions/contracts/jobs';
import { runCli } from '../clients/cli/program';
import { version } from '../package.json';

runCli(process.argv, { zonesFile: ZonesFile, jobBody: CreateJobBody }, version).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
