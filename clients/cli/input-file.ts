/**
 * An input file (a zones file, a job request) read and checked against a contract schema, and the
 * API's 400 field errors on what was submitted from it mapped back onto its lines.
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import { ApiError } from '../../frontend/core/problem';
import { CliError } from './job-flow';
import { FileInvalidError, SourceFile } from './source-file';

/** Reads and checks an input file; the SourceFile stays to map the API's field errors back onto it. */
export function readSource<S extends z.ZodType>(path: string, schema: S): { source: SourceFile; value: z.output<S> } {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  const source = SourceFile.parse(path, text);
  return { source, value: source.check(schema) };
}

/**
 * A 400 on the submitted request, its field errors as positions in the file: `toFilePath` maps a body
 * field (`params.zones.x`) to the file's path (`zones.x`), or undefined when the file has no such field.
 */
export function fileErrorsOf(err: unknown, source: SourceFile, toFilePath: (field: string) => string | undefined): FileInvalidError | undefined {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.fieldErrors.length) return undefined;
  const issues = err.fieldErrors.map((e) => {
    const path = e.in === 'body' ? toFilePath(e.field) : undefined;
    return path === undefined ? { file: source.file, line: 1, col: 1, path: `${e.in}.${e.field}`, message: e.message } : source.issueAt(path, e.message);
  });
  return new FileInvalidError(issues);
}
