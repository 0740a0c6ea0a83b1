/**
 * A YAML or JSON input file (a zones file, a job request) read against a contract's zod schema, with
 * every problem pointed at the file's line and column: `zones.yaml:12:17: zones.example.com.records.2.ttl:
 * must be 1 (auto) or 60..86400`. JSON is parsed by the same YAML 1.2 parser (JSON is YAML), so both get
 * positions. The schema is handed in (bin/flarevault.ts), so the file is checked with the very
 * contract the API checks the request with.
 *
 * Paths are dotted as the API names fields (`errors[].field`); a key may itself hold dots (a zone
 * name), so a dotted path is matched against the document's keys, longest key first.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type * as z from 'zod';

export interface FileIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly col: number;
  /** Dotted path of the value (empty for the whole document). */
  readonly path: string;
  readonly message: string;
}

export const formatIssue = (i: FileIssue) => `${i.file}:${i.line}:${i.col}: ${i.path ? `${i.path}: ` : ''}${i.message}`;

export class FileInvalidError extends Error {
  constructor(readonly issues: readonly FileIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'FileInvalidError';
  }
}

/** A parsed file that can still point at its own lines (for the API's field errors after submission). */
export class SourceFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses the text; YAML/JSON syntax errors throw FileInvalidError with their positions. */
  static parse(file: string, text: string): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length) {
      throw new FileInvalidError(
        doc.errors.map((e) => {
          const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
          return { file, line: pos.line, col: pos.col, path: '', message: e.message.split('\n')[0]! };
        }),
      );
    }
    return new SourceFile(file, doc, lines);
  }

  /** The document as plain data. */
  data(): unknown {
    return this.doc.toJS();
  }

  /** The value checked by `schema` (its output, defaults applied), or FileInvalidError listing every issue. */
  check<S extends z.ZodType>(schema: S): z.output<S> {
    const r = schema.safeParse(this.data());
    if (r.success) return r.data;
    const issues = r.error.issues.flatMap((issue) => this.issuesOf(issue));
    throw new FileInvalidError(issues.sort((a, b) => a.line - b.line || a.col - b.col));
  }

  /** Where a dotted field path of this document is: the deepest node on the path that exists. */
  locate(dotted: string, at: 'value' | 'key' = 'value'): FileIssue {
    const segments = dotted ? dotted.split('.') : [];
    return this.position(this.resolve(segments, at), segments.join('.'), '');
  }

  /** An issue at a dotted path (e.g. an API field error mapped onto the file). */
  issueAt(dotted: string, message: string): FileIssue {
    return { ...this.locate(dotted), message };
  }

  private issuesOf(issue: z.core.$ZodIssue): FileIssue[] {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ ...this.position(this.resolve([...path, key], 'key'), [...path, key].join('.'), ''), message: `unknown key "${key}"` }));
    }
    // A record key that fails its schema (a zone name): the key's position, the key schema's message.
    if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      return [{ ...this.position(this.resolve(path, 'key'), path.join('.'), ''), message: inner || issue.message }];
    }
    return [{ ...this.position(this.resolve(path, 'value'), path.join('.'), ''), message: issue.message }];
  }

  private position(node: Node | undefined, path: string, message: string): FileIssue {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col, path, message };
  }

  /**
   * The node of a path, or of the deepest ancestor that exists. A map entry whose value is a whole
   * block (a zone, `manage`) is pointed at by its key, where a reader looks for it; `at: 'key'` always
   * takes the key.
   */
  private resolve(segments: readonly string[], at: 'value' | 'key'): Node | undefined {
    let node = this.doc.contents as Node | null;
    let key: Node | undefined;
    let i = 0;
    while (i < segments.length && node) {
      if (isSeq(node)) {
        const child = /^\d+$/.test(segments[i]!) ? (node.items[Number(segments[i])] as Node | undefined) : undefined;
        if (!child) break;
        key = undefined;
        node = child;
        i++;
      } else if (isMap(node)) {
        // Longest key first: `zones.example.com.records` names the key `example.com`.
        let matched = false;
        for (let j = segments.length; j > i; j--) {
          const name = segments.slice(i, j).join('.');
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === name);
          if (pair) {
            key = pair.key as Node;
            node = (pair.value as Node | null) ?? key;
            i = j;
            matched = true;
            break;
          }
        }
        if (!matched) break;
      } else break;
    }
    if (key && (at === 'key' || isMap(node) || isSeq(node))) return key;
    return node ?? undefined;
  }
}
