/** `flarevault workspaces | accounts | zones`: what the credential can see. */
import type { Context } from './context';

const table = (rows: readonly string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
};

export async function listWorkspaces(ctx: Context): Promise<void> {
  const workspaces = await ctx.api.workspaces();
  ctx.term.result({ workspaces }, table(workspaces.map((w) => [w.active ? '*' : ' ', w.id, w.role, w.tier, w.name])));
}

export async function listAccounts(ctx: Context): Promise<void> {
  const accounts = await ctx.api.accounts();
  ctx.term.result({ accounts }, accounts.length ? table(accounts.map((a) => [a.id, a.status, a.sandbox ? 'sandbox' : `…${a.tokenHint}`, a.name])) : ['No Cloudflare accounts in this workspace.']);
}

export async function listZones(ctx: Context, o: { search?: string }): Promise<void> {
  const account = await ctx.account();
  const zones = await ctx.api.zones(account.id, o.search);
  ctx.term.result({ account: { id: account.id, name: account.name }, zones }, zones.length ? table(zones.map((z) => [z.id, z.plan, z.status, z.name])) : ['No zones.']);
}
