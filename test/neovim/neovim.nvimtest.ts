// A real Neovim (Debian's package, headless) against `conv-lens lsp --stdio`: conv_lens.lua opens seed 001,
// hovers, applies the quick fix and reports what Neovim's own LSP client saw. Run by `npm run test:neovim`
// (CI installs Neovim first with .ci/setup-neovim.sh); expected values come from the core in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../support/analyze';

const root = join(__dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'seed001_third_conv_in_channels.py');

interface NvimDiagnostic { lnum: number; col: number; end_lnum: number; end_col: number; severity: number; code: string; source: string; message: string }
interface Report {
  steps: string[];
  error?: string;
  opened: NvimDiagnostic[];
  hover: { contents: { kind: string; value: string } } | null;
  fixes: Array<{ title: string; preferred: boolean }>;
  fixed_line: string;
  after: NvimDiagnostic[];
  stopped: boolean;
}

test('Neovim shows the seed 001 error, hovers the second conv, applies the quick fix and the error clears', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conv-lens-nvim-'));
  try {
    const out = join(dir, 'report.json');
    const run = spawnSync('nvim', ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${join(root, 'test', 'neovim', 'conv_lens.lua')}`], {
      cwd: root,
      env: { ...process.env, CONV_LENS_CLI: join(root, 'out', 'cli.js'), CONV_LENS_FIXTURE: fixture, CONV_LENS_OUT: out },
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(run.error, undefined, `nvim could not run: ${String(run.error)} (install it with .ci/setup-neovim.sh)`);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.equal(report.error, undefined);
    assert.deepEqual(report.steps, ['diagnostics', 'cleared']);

    const text = readFileSync(fixture, 'utf8');
    const analysis = await analyze(text);
    const [finding] = analysis.findings;
    assert.ok(finding);
    assert.equal(report.opened.length, 1);
    const [shown] = report.opened;
    assert.deepEqual(
      { lnum: shown?.lnum, col: shown?.col, end_lnum: shown?.end_lnum, end_col: shown?.end_col, code: shown?.code, severity: shown?.severity, source: shown?.source },
      { lnum: finding.range.start.line, col: finding.range.start.character, end_lnum: finding.range.end.line, end_col: finding.range.end.character, code: 'channel-mismatch', severity: 1, source: 'Conv Lens' },
    );
    assert.equal(finding.range.start.line + 1, 10);

    const layer = analysis.models[0]?.layers.find((l) => l.name === 'convo_layer_two');
    assert.ok(layer?.output);
    assert.equal(report.hover?.contents.kind, 'markdown');
    assert.ok(report.hover.contents.value.includes(`→ \`[${layer.output.join(', ')}]\``), report.hover.contents.value);

    assert.deepEqual(report.fixes.map((f) => [f.title, f.preferred]), finding.fixes.map((f) => [f.title, f.preferred]));
    const preferred = finding.fixes.find((f) => f.preferred);
    const edit = preferred?.edits[0];
    assert.ok(edit);
    const line = text.split('\n')[edit.range.start.line] ?? '';
    assert.equal(report.fixed_line, line.slice(0, edit.range.start.character) + edit.newText + line.slice(edit.range.end.character));
    assert.deepEqual(report.after, []);
    assert.equal(report.stopped, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
