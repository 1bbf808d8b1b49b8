// `conv-lens check --format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
// Rules are the finding codes that occur, each linked to its README entry; lines and columns are 1-based,
// columns in UTF-16 code units as the core counts them, end columns exclusive.
import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { diagnosticMessage, docsAnchor } from '../core/presentation';
import type { Finding, Range, Severity } from '../core/types';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

export interface SarifFile {
  path: string;
  findings: Finding[];
}

export interface SarifOptions {
  /** The README that explains the codes; rule `helpUri`s point at its `#code-<code>` anchors. */
  docsUrl: string;
  version: string;
  /** Relative paths are relative to this directory (`%SRCROOT%`). */
  cwd: string;
  /** Files that could not be read or analysed: reported as tool notifications. */
  problems: string[];
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(path)) return { uri: pathToFileURL(path).href };
  return { uri: path.split(sep).join('/').split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/** A notebook cell's line is not a line of the .ipynb file: the location is the file, the cell is in the message. */
function cellPrefix(range: Range): string {
  return range.cell === undefined ? '' : `cell ${range.cell + 1}, line ${range.start.line + 1}: `;
}

function physicalLocation(path: string, range: Range) {
  if (range.cell !== undefined) return { artifactLocation: artifactLocation(path) };
  return {
    artifactLocation: artifactLocation(path),
    region: {
      startLine: range.start.line + 1,
      startColumn: range.start.character + 1,
      endLine: range.end.line + 1,
      endColumn: range.end.character + 1,
    },
  };
}

export function sarifLog(files: SarifFile[], options: SarifOptions) {
  const ruleIndex = new Map<string, number>();
  const rules: Array<{ id: string; helpUri: string }> = [];
  const results = [];
  for (const { path, findings } of files) {
    for (const f of findings) {
      let index = ruleIndex.get(f.code);
      if (index === undefined) {
        index = rules.length;
        ruleIndex.set(f.code, index);
        rules.push({ id: f.code, helpUri: `${options.docsUrl}#${docsAnchor(f.code)}` });
      }
      results.push({
        ruleId: f.code,
        ruleIndex: index,
        level: LEVEL[f.severity],
        message: { text: cellPrefix(f.range) + diagnosticMessage(f) },
        locations: [{ physicalLocation: physicalLocation(path, f.range) }],
        ...(f.related.length > 0
          ? { relatedLocations: f.related.map((r, id) => ({ id, physicalLocation: physicalLocation(r.range.file ?? path, r.range), message: { text: cellPrefix(r.range) + r.message } })) }
          : {}),
      });
    }
  }
  const root = pathToFileURL(options.cwd).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Conv Lens', version: options.version, informationUri: options.docsUrl, rules } },
        invocations: [
          {
            executionSuccessful: options.problems.length === 0,
            toolExecutionNotifications: options.problems.map((text) => ({ level: 'error', message: { text } })),
          },
        ],
        originalUriBaseIds: { [SRCROOT]: { uri: root.endsWith('/') ? root : `${root}/` } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
