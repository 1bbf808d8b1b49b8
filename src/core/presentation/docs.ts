// Where each finding code is explained: the README has one heading per code, anchored "code-<code>".
import type { Finding } from '../types';

export function docsAnchor(code: string): string {
  return `code-${code}`;
}

/** The diagnostic text: the finding's message, then what PyTorch itself would raise at run time. */
export function diagnosticMessage(finding: Finding): string {
  return finding.pytorchError ? `${finding.message}\nPyTorch would raise: ${finding.pytorchError}` : finding.message;
}
