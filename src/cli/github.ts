// `conv-lens check --format github`: workflow commands that GitHub Actions shows as annotations on the diff.
import { diagnosticMessage } from '../core/presentation';
import { displayPath } from './display-path';
import type { Finding, Severity } from '../core/types';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** Message text: %, CR and LF are escaped (GitHub's toolkit escapeData). */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values: also `:` and `,`, which separate properties (GitHub's toolkit escapeProperty). */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` line (1-based lines and columns). */
export function githubAnnotation(path: string, finding: Finding): string {
  const { start, end, cell } = finding.range;
  // A notebook cell's line is not a line of the .ipynb file: the annotation is on the file, the cell in the message.
  const props = [
    `file=${escapeProperty(path)}`,
    ...(cell === undefined ? [`line=${start.line + 1}`, `col=${start.character + 1}`, `endLine=${end.line + 1}`, `endColumn=${end.character + 1}`] : []),
    `title=${escapeProperty(`Conv Lens ${finding.code}`)}`,
  ];
  let message = (cell === undefined ? '' : `cell ${cell + 1}, line ${start.line + 1}: `) + diagnosticMessage(finding);
  for (const r of finding.related) message += `\n${r.range.file === undefined ? path : displayPath(r.range.file)}:${r.range.cell === undefined ? '' : `cell ${r.range.cell + 1}:`}${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.message}`;
  return `::${COMMAND[finding.severity]} ${props.join(',')}::${escapeData(message)}\n`;
}
