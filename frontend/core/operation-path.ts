/**
 * Turning an operation into a URL, shared by the dashboard's typed client and
 * @flarevault/sdk: the generated table gives method and path, the caller the
 * parameters. Standalone (no imports outside frontend/core/) so the SDK's
 * bundle and type declarations need nothing else.
 */
import { OPERATIONS, type OperationId } from './operations.gen';

export type QueryValues = Record<string, string | number | boolean | undefined | null>;

/** The path with its `{name}` parameters filled in, each encoded as one segment. */
export function operationPath(op: OperationId, params?: Readonly<Record<string, string | number>>): string {
  const values = params ?? {};
  return OPERATIONS[op].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`${op}: path parameter ${name} is missing`);
    return encodeURIComponent(String(values[name]));
  });
}

/** `path?query`, leaving out empty values. */
export function buildUrl(path: string, query?: QueryValues): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
