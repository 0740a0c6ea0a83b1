/**
 * What a command writes, and where: results on stdout (one JSON document with `--json`, else lines for
 * people), progress and prompts on stderr. Colour (node:util styleText) only when the stream is a TTY
 * and NO_COLOR is not set (https://no-color.org: "when present and not an empty string").
 */
import { createInterface } from 'node:readline/promises';
import { styleText } from 'node:util';
import type { Paint } from './diff';
import { plain } from './diff';
import { BarProgress, LineProgress, noProgress, type Progress } from './progress';

type Env = Readonly<Record<string, string | undefined>>;

export function painterFor(stream: { isTTY?: boolean }, env: Env = process.env): Paint {
  if (!stream.isTTY || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return plain;
  // Decided above (this stream, this env), not by styleText's own check of process.stdout.
  return (style, text) => styleText(style, text, { validateStream: false });
}

export interface TerminalOptions {
  json?: boolean;
  /** `--no-progress`: commander sets `progress: false`. */
  progress?: boolean;
}

export class Terminal {
  readonly json: boolean;
  readonly paint: Paint;
  private readonly showProgress: boolean;

  constructor(
    o: TerminalOptions,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
    private readonly stdin: NodeJS.ReadStream = process.stdin,
    env: Env = process.env,
  ) {
    this.json = !!o.json;
    this.paint = this.json ? plain : painterFor(stdout, env);
    // With --json, stderr stays quiet unless a person watches it (a TTY).
    this.showProgress = o.progress !== false && (!this.json || !!stderr.isTTY);
  }

  /** Lines for people (nothing with --json). */
  say(...lines: string[]): void {
    if (!this.json) for (const line of lines) this.stdout.write(`${line}\n`);
  }

  /** Notes for people on stderr (nothing with --json): prompts, hints. */
  note(line: string): void {
    if (!this.json) this.stderr.write(`${line}\n`);
  }

  /** A line on stderr even with --json (what a person must act on, e.g. a login's user code). */
  urge(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** The command's result: the JSON document with --json, else the lines. */
  result(data: unknown, lines: readonly string[] = []): void {
    if (this.json) this.stdout.write(`${JSON.stringify(data)}\n`);
    else for (const line of lines) this.stdout.write(`${line}\n`);
  }

  progress(): Progress {
    if (!this.showProgress) return noProgress;
    return this.stderr.isTTY ? new BarProgress(this.stderr) : new LineProgress((line) => this.stderr.write(`${line}\n`));
  }

  /** A person can answer a question (stdin and stderr are terminals). */
  get interactive(): boolean {
    return !!this.stdin.isTTY && !!this.stderr.isTTY;
  }

  async confirm(question: string): Promise<boolean> {
    const rl = createInterface({ input: this.stdin, output: this.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  }
}
