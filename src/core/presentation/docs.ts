// Where each finding code is explained: the README has one heading per code, anchored "code-<code>".
import type { Finding } from '../types';

export function docsAnchor(code: string): string {
  return `code-${code}`;
}

/** The diagnostic text: the finding's message, then what PyTorch (or TensorFlow.js) itself would raise at run time. */
export function diagnosticMessage(finding: Finding): string {
  const raised = runtimeError(finding);
  return raised ? `${finding.message}\n${raised}` : finding.message;
}

/** "PyTorch would raise: ..." for the framework whose own text the finding quotes, or undefined. */
export function runtimeError(finding: Finding): string | undefined {
  if (finding.pytorchError) return `PyTorch would raise: ${finding.pytorchError}`;
  if (finding.tfjsError) return `TensorFlow.js would raise: ${finding.tfjsError}`;
  return undefined;
}
