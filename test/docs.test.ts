// Every finding code the core can emit has its explanation in the README (the extension links diagnostics there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(dir, f), 'utf8'));
}

test('every finding code emitted by the core has a README entry anchored code-<code>', () => {
  const codes = new Set<string>();
  for (const text of sources(join(root, 'src', 'core'))) {
    for (const m of text.matchAll(/(?:code: |(?:error|warning|info|issue)\()'([a-z]+(?:-[a-z]+)+)'/g)) if (m[1]) codes.add(m[1]);
  }
  assert.ok(codes.size >= 15, `found only ${codes.size} codes: the scan is broken`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const documented = new Set([...readme.matchAll(/<a id="code-([a-z-]+)"><\/a>/g)].map((m) => m[1]));
  const missing = [...codes].filter((c) => !documented.has(c));
  assert.deepEqual(missing, []);
});
