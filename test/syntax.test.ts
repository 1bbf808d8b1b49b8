// The syntax conversion: the direct cursor calls (syntax.ts, RawCursor) give exactly the nodes web-tree-sitter's
// TreeCursor gives, with every position where the line table puts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, lineStartsOf, positionAt, toSyntax, usePublicCursor, usesRawCursor, type SyntaxNode } from '../src/core/syntax';
import { ready } from './support/analyze';

const root = join(__dirname, '..', '..');

/** Every Python file of the corpus and the examples, and text that is hard to parse. */
function sources(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const dir of ['test/corpus/torch', 'test/fixtures', 'examples']) {
    for (const f of readdirSync(join(root, dir))) if (f.endsWith('.py')) out.push([`${dir}/${f}`, readFileSync(join(root, dir, f), 'utf8')]);
  }
  out.push(
    ['CRLF and non-ASCII', 'x = "h\u00e9llo \u{1F600}"\r\ny = [1,\r\n     2]  # \u00e9\r\n'],
    ['syntax errors', 'def f(:\n  pass\nclass A(nn.Module:\n    x = 1\n'],
    ['deep nesting', `y = ${'('.repeat(600)}1${')'.repeat(600)}\n`],
    ['line continuation', 'a = nn.Conv2d(3, \\\n  8, 3)\nb = a\n'],
    ['slices and empty file', 'x[1:2, ::3]\n'],
    ['empty', ''],
  );
  return out;
}

test('conversions that call the cursor functions directly are in use and give the same nodes as the TreeCursor', async () => {
  await ready;
  assert.ok(usesRawCursor(), 'the web-tree-sitter build provides the cursor functions (a new build may not: then this path is dead)');
  const parser = createParser('python');
  try {
    let files = 0;
    for (const [name, text] of sources()) {
      const tree = parser.parse(text);
      assert.ok(tree, name);
      try {
        usePublicCursor(true);
        const viaTreeCursor = toSyntax(tree, text);
        usePublicCursor(false);
        const direct = toSyntax(tree, text);
        assert.deepEqual(direct, viaTreeCursor, name);
        files++;
      } finally {
        usePublicCursor(false);
        tree.delete();
      }
    }
    assert.ok(files > 100, `${files} files`);
  } finally {
    parser.delete();
  }
});

test('every converted node starts and ends at the line and column of its offsets', async () => {
  await ready;
  const parser = createParser('python');
  try {
    for (const [name, text] of sources()) {
      const tree = parser.parse(text);
      assert.ok(tree, name);
      const lines = lineStartsOf(text);
      const stack: SyntaxNode[] = [toSyntax(tree, text)];
      tree.delete();
      while (stack.length > 0) {
        const n = stack.pop() as SyntaxNode;
        const s = positionAt(lines, n.start);
        const e = positionAt(lines, n.end);
        assert.deepEqual([n.startRow, n.startCol, n.endRow, n.endCol], [s.line, s.character, e.line, e.character], `${name}: ${n.type} at ${n.start}`);
        stack.push(...n.children);
      }
    }
  } finally {
    parser.delete();
  }
});
