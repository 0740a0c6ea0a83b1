/**
 * What every command works with: the terminal, the API client with the resolved credential, and the
 * Cloudflare account and zones named on the command line (by id or by name).
 */
import { FlarevaultApi, type CloudflareAccount, type Zone } from './api';
import { resolveCredentials, type Credentials } from './credentials';
import { CliError } from './job-flow';
import { Terminal, type TerminalOptions } from './terminal';

export interface CommonOptions extends TerminalOptions {
  account?: string;
}

export class Context {
  private api_: FlarevaultApi | undefined;
  private creds_: Credentials | undefined;

  constructor(
    readonly options: CommonOptions,
    readonly env: Readonly<Record<string, string | undefined>> = process.env,
    readonly fetchImpl?: typeof fetch,
    readonly term: Terminal = new Terminal(options),
  ) {}

  get credentials(): Credentials {
    return (this.creds_ ??= resolveCredentials(this.env));
  }

  get api(): FlarevaultApi {
    return (this.api_ ??= new FlarevaultApi(this.credentials.url, this.credentials.token, this.fetchImpl));
  }

  /** The account named by `--account` (else `fallback`, e.g. the file's), by id or name; the only one when none is named. */
  async account(fallback?: string): Promise<CloudflareAccount> {
    const wanted = this.options.account ?? fallback ?? this.env.FLAREVAULT_ACCOUNT;
    const accounts = await this.api.accounts();
    if (wanted) {
      const found = accounts.find((a) => a.id === wanted) ?? accounts.filter((a) => a.name === wanted).at(0);
      if (!found) throw new CliError(`No Cloudflare account "${wanted}" in this workspace${listed(accounts)}`);
      return found;
    }
    if (accounts.length === 1) return accounts[0]!;
    if (accounts.length === 0) throw new CliError('This workspace has no Cloudflare account: connect one in the dashboard first');
    throw new CliError(`This workspace has ${accounts.length} Cloudflare accounts: name one with --account${listed(accounts)}`);
  }

  /** The zones named (by name or id) in the account, in the order given. */
  async zones(accountId: string, names: readonly string[]): Promise<Zone[]> {
    const all = await this.api.zones(accountId);
    return names.map((n) => {
      const key = n.trim().toLowerCase().replace(/\.$/, '');
      const zone = all.find((z) => z.id === key || z.name === key);
      if (!zone) throw new CliError(`No zone "${n}" in this account`);
      return zone;
    });
  }
}

const listed = (accounts: readonly CloudflareAccount[]) => (accounts.length ? `:\n${accounts.map((a) => `  ${a.id}  ${a.name}`).join('\n')}` : '');
