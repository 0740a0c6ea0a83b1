/**
 * A zones file checked with the contract's ZonesFile schema, every problem at its line:column
 * (clients/cli/source-file.ts): YAML and JSON, syntax errors, bad values, unknown keys, a bad zone
 * name (the key's position), a missing field (its object's position), and the API's dotted field
 * paths mapped back onto the file even though zone names hold dots.
 */
import { ZonesFile } from '../../functions/contracts/dns-sync';
import { FileInvalidError, formatIssue, SourceFile } from '../../clients/cli/source-file';

function problems(file: string, text: string): string[] {
  try {
    SourceFile.parse(file, text).check(ZonesFile);
  } catch (err) {
    if (err instanceof FileInvalidError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const YAML = `version: 1
defaults: { ttl: 300 }
zones:
  example.com:
    manage: { include: ["*"], exclude: ["_acme-challenge*"] }
    records:
      - { name: "@", type: A, content: 192.0.2.1, ttl: 30 }
      - name: mail
        type: MX
        content: mail.example.com
        colour: red
  "bad zone!":
    records: []
`;

describe('a zones file against the contract, with positions', () => {
  it('points every problem of a YAML file at its line and column, in file order', () => {
    expect(problems('zones.yaml', YAML)).toEqual([
      'zones.yaml:7:56: zones.example.com.records.0.ttl: must be 1 (auto) or 60..86400',
      'zones.yaml:8:9: zones.example.com.records.1.priority: an MX record needs a priority',
      'zones.yaml:11:9: zones.example.com.records.1.colour: unknown key "colour"',
      'zones.yaml:12:3: zones.bad zone!: must be a zone name, e.g. example.com',
    ]);
  });

  it('does the same for JSON (parsed as YAML 1.2)', () => {
    const json = '{\n  "zones": {\n    "example.com": {\n      "records": [\n        { "name": "www", "type": "CNAME", "content": "x.example.net", "proxied": "yes" }\n      ]\n    }\n  }\n}\n';
    expect(problems('zones.json', json)).toEqual(['zones.json:5:82: zones.example.com.records.0.proxied: Invalid input: expected boolean, received string']);
  });

  it('reports a syntax error at its position, and a duplicate key', () => {
    expect(problems('broken.yaml', 'zones:\n  a.com:\n   records: [\n')).toEqual([expect.stringMatching(/^broken\.yaml:4:1: .*end with a \]/)]);
    expect(problems('dup.yaml', 'zones:\n  a.com: { records: [] }\n  a.com: { records: [] }\n')).toEqual([expect.stringMatching(/^dup\.yaml:3:3: Map keys must be unique/)]);
  });

  it('accepts a good file and gives the contract output (defaults applied, zone names lower-cased)', () => {
    const good = 'zones:\n  Example.COM:\n    records:\n      - { name: www, type: A, content: 192.0.2.1 }\n';
    const value = SourceFile.parse('good.yaml', good).check(ZonesFile);
    expect(value).toEqual({ version: 1, zones: { 'example.com': { manage: { include: ['*', '@'], exclude: [] }, records: [{ name: 'www', type: 'A', content: '192.0.2.1' }] } } });
  });

  it("maps the API's dotted field paths onto the file, zone names with dots included", () => {
    const source = SourceFile.parse('zones.yaml', YAML);
    expect(formatIssue(source.issueAt('zones.example.com.records.1.content', 'outside the managed names'))).toBe(
      'zones.yaml:10:18: zones.example.com.records.1.content: outside the managed names',
    );
    // A path the file does not have points at the deepest part it has (here the record).
    expect(source.locate('zones.example.com.records.1.priority')).toMatchObject({ line: 8, col: 9 });
    // A whole block (a zone) is pointed at by its key; a list item by its first line.
    expect(source.locate('zones.example.com')).toMatchObject({ line: 4, col: 3 });
    expect(source.locate('zones.example.com.records.1')).toMatchObject({ line: 8, col: 9 });
    expect(source.locate('zones.example.com.records.0.name')).toMatchObject({ line: 7, col: 17 });
  });
});
