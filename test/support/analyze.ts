// The core as the tests use it: parsers loaded from the build output, one analysis per call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCore, AnalyzedDocument, type Analysis, type AnalyzeOptions } from '../../src/core/index';

/** Test bundles live in out/test/, next to out/wasm/. */
export const ready = initCore(async (file) => readFileSync(join(__dirname, '..', 'wasm', file)));

export async function analyze(text: string, lang = 'python', options: AnalyzeOptions = {}): Promise<Analysis> {
  await ready;
  const doc = new AnalyzedDocument(lang, text);
  try {
    return doc.analyze(options);
  } finally {
    doc.dispose();
  }
}
