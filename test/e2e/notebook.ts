// End-to-end for notebooks, as a user: the packaged .vsix in code-server, a Jupyter notebook opened in the built-in
// notebook editor (no kernel). The model is in cell 3, its input in cell 4, a probe written for RGB images in cell 5.
// Checks the squiggle in the right cell, a hover shape that only the later cell's input gives, the preview on the
// notebook's model at that input, click-to-reveal into the cell, and an edit in the input cell re-running the preview.
// Expected shapes come from PyTorch running the cells (test/goldens/notebooks/digits_later_input.json).
// `--dev` loads the extension from this checkout's out/ instead of the .vsix. `--web-worker` runs it in the browser's
// web-worker extension host (the browser bundle), as run.ts does. Screenshots in .test-artifacts/notebook/ (or notebook-web-worker/).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { Report } from './report';
import { ARTIFACTS, ROOT, installVsix, packagedVsix, launchChromium, prepareUserData, startCodeServer } from './codeServer';
import { activation, problemCounts, readLog, requestedHost, runCommand, waitForWorkbench } from './workbench';

const DEV = process.argv.includes('--dev');
const HOST = requestedHost();
const OUT = join(ARTIFACTS, HOST.webWorker ? 'notebook-web-worker' : 'notebook');
const NOTEBOOK = 'digits_later_input.ipynb';

interface Golden {
  modules: Array<{ type: string; cell: number; line: number; outputs: number[][] }>;
  error: { message: string; cell: number; line: number } | null;
}
const golden = JSON.parse(readFileSync(join(ROOT, 'test', 'goldens', 'notebooks', NOTEBOOK.replace('.ipynb', '.json')), 'utf8')) as Golden;
const cells = (JSON.parse(readFileSync(join(ROOT, 'test', 'notebooks', NOTEBOOK), 'utf8')) as { cells: Array<{ source: string[] }> }).cells.map((c) => c.source.join(''));

const report = new Report();
const check = report.check.bind(report);

/** 1-based cell and line where `needle` is written. */
function locate(needle: string): { cell: number; line: number } {
  for (const [i, source] of cells.entries()) {
    const line = source.split('\n').findIndex((l) => l.includes(needle));
    if (line >= 0) return { cell: i + 1, line: line + 1 };
  }
  throw new Error(`${needle} is not in ${NOTEBOOK}`);
}

/** What PyTorch gave the layer built where `needle` is written: its first output shape, as the panel writes it. */
function goldenShape(needle: string): string {
  const at = locate(needle);
  const output = golden.modules.find((m) => m.cell === at.cell && m.line === at.line)?.outputs[0];
  if (!output) throw new Error(`no PyTorch output for the layer of ${needle}`);
  return `[${output.join(', ')}]`;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

/** The notebook editor's row of the code cell whose text holds `needle`. */
function cellRow(page: Page, needle: string): Locator {
  return page.locator('.notebookOverlay .code-cell-row', { hasText: needle }).first();
}

/** Puts the cursor in a cell on the line holding `lineText`, at `word` in it: a click on the line, then the keyboard. */
async function clickWord(page: Page, needle: string, lineText: string, word: string): Promise<void> {
  const line = cellRow(page, needle).locator('.view-line', { hasText: lineText }).first();
  await line.scrollIntoViewIfNeeded();
  await line.click({ position: { x: 2, y: 5 } });
  // Home goes to the line's first non-blank character.
  await page.keyboard.press('Home');
  const text = cells.find((c) => c.includes(needle))?.split('\n').find((l) => l.includes(lineText))?.trimStart() ?? '';
  for (let i = 0; i < text.indexOf(word) + 1; i++) await page.keyboard.press('ArrowRight');
}

async function openNotebook(page: Page): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(NOTEBOOK);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: NOTEBOOK }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.locator('.notebookOverlay .code-cell-row').nth(3).waitFor({ timeout: 30_000 });
}

/** The preview's webview frame (the inner iframe holding #conv-lens-root). */
async function previewFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.$('#conv-lens-root').then((h) => h !== null, () => false)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no preview webview within ${timeoutMs / 1000} s`);
}

async function layerShape(frame: Frame, key: string): Promise<string> {
  return ((await frame.locator(`.layer[data-key="${key}"] .shape`).first().textContent().catch(() => '')) ?? '').split(' · ')[0] ?? '';
}

async function notebook(page: Page): Promise<void> {
  await openNotebook(page);

  // The probe of cell 5 gets the error; the model's cells, where nothing is wrong, get none.
  const probe = cellRow(page, 'probe = nn.Conv2d');
  await probe.scrollIntoViewIfNeeded();
  const squiggled = await probe.locator('.squiggly-error').first().waitFor({ timeout: 60_000 }).then(() => true, () => false);
  const elsewhere = await page.locator('.notebookOverlay .code-cell-row', { hasNotText: 'probe = nn.Conv2d' }).locator('.squiggly-error').count();
  const problems = await problemCounts(page);
  const errorCell = golden.error?.cell;
  check(`the channel mismatch is squiggled in cell ${locate('probe = nn.Conv2d').cell} (the probe's), PyTorch's error is in cell ${errorCell}; no other cell has one; Problems shows 1 error`,
    squiggled && elsewhere === 0 && problems.errors === 1 && errorCell === locate('features = probe(images)').cell, `squiggle in the probe's cell: ${squiggled}; in other cells: ${elsewhere}; ${problems.text}`);
  await shot(page, 'notebook-squiggle');

  // Hover on conv2's call in the model's cell: the shape comes from cell 4's 28x28 images.
  await clickWord(page, 'class DigitNet', 'self.conv2(x)', 'conv2');
  const conv2 = goldenShape('self.conv2 = nn.Conv2d');
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator('.monaco-hover-content:visible', { hasText: 'conv2' }).first();
  const shown = await hover.waitFor({ timeout: 15_000 }).then(() => true, () => false);
  const hoverText = shown ? (await hover.innerText()).replace(/\s+/g, ' ') : '';
  check(`hover on self.conv2(x) in cell 3 shows PyTorch's ${conv2}, the shape cell 4's input gives`, hoverText.includes(conv2), hoverText.slice(0, 200) || 'no hover');
  await page.waitForTimeout(250);
  await shot(page, 'notebook-hover');
  // Escape closes the hover; with none open it would leave the cell's editor.
  if (await hover.isVisible()) await page.keyboard.press('Escape');

  // The preview on the model of the cell under the cursor, at the input of cell 4.
  await runCommand(page, 'Conv Lens: Open Preview');
  const frame = await previewFrame(page);
  await frame.waitForFunction(() => Number(document.body.dataset['paintedAt'] ?? 0) > 0 && document.querySelectorAll('.layer canvas.maps').length >= 4, undefined, { timeout: 60_000 }).catch(() => undefined);
  const title = (await frame.locator('.model-title').first().textContent().catch(() => '')) ?? '';
  const note = await frame.locator('#input-note').innerText().catch(() => '');
  const input = `[${cells[3]?.match(/torch\.randn\(([^)]*)\)/)?.[1] ?? '?'}]`;
  const expected = { conv1: goldenShape('self.conv1 = nn.Conv2d'), conv2, fc: goldenShape('self.fc = nn.Linear') };
  const got = { conv1: await layerShape(frame, 'conv1'), conv2: await layerShape(frame, 'conv2'), fc: await layerShape(frame, 'fc') };
  check(`the preview shows DigitNet at cell 4's input ${input} (not a default 32x32), its layers with PyTorch's shapes`,
    title.startsWith('DigitNet') && note.startsWith(`Input ${input}`) && JSON.stringify(got) === JSON.stringify(expected),
    `title: ${title.slice(0, 80)}; note: ${note.slice(0, 60)}; shapes ${JSON.stringify(got)}, PyTorch ${JSON.stringify(expected)}`);
  await shot(page, 'notebook-preview');

  // Editing the input cell re-runs the preview at the new batch size.
  const before = Number(await frame.evaluate(() => document.body.dataset['paintedAt'] ?? 0));
  // The cursor after the first dimension of torch.randn(1, ...): replace it.
  await clickWord(page, 'images = torch.randn', 'images = torch.randn', 'randn(');
  for (let i = 0; i < 'randn('.length; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('2');
  const batched = `[2, ${input.slice(1).split(', ').slice(1).join(', ')}`;
  const conv1Batched = `[2, ${expected.conv1.slice(1).split(', ').slice(1).join(', ')}`;
  const rerun = await frame.waitForFunction(([t, i, c]) => Number(document.body.dataset['paintedAt'] ?? 0) > Number(t)
    && (document.querySelector('.model-title')?.textContent ?? '').includes(`input ${i}`)
    && (document.querySelector('.layer[data-key="conv1"] .shape')?.textContent ?? '').startsWith(c ?? ''), [String(before), batched, conv1Batched] as const, { timeout: 30_000 }).then(() => true, () => false);
  check(`typing a batch of 2 in cell 4 re-runs the preview: input ${batched}, conv1 ${conv1Batched}`, rerun,
    `${await frame.locator('.model-title').first().innerText().catch(() => '')}; conv1 ${await layerShape(frame, 'conv1')}`);
  // The model's own cell is analysed again too: its code lens gives the new input.
  const lens = cellRow(page, 'class DigitNet').locator('.codelens-decoration', { hasText: `input ${batched}` });
  const relensed = await lens.first().waitFor({ timeout: 15_000 }).then(() => true, () => false);
  check(`after the edit in cell 4, the code lens of the model's cell 3 says input ${batched}`, relensed,
    (await cellRow(page, 'class DigitNet').locator('.codelens-decoration').allInnerTexts()).join(' | '));
  await shot(page, 'notebook-preview-after-edit');

  // Following cell 4, a layer box opens the model's cell 3 at the line that builds the layer.
  const fcAt = locate('self.fc = nn.Linear');
  await frame.locator('.layer[data-key="fc"] .layer-head').first().click();
  // A notebook's status bar says "Cell 3 of 5"; the line is the focused cell editor's active line number.
  const cellStatus = page.locator('.statusbar-item', { hasText: `Cell ${fcAt.cell} of ${cells.length}` });
  const activeLine = page.locator('.notebookOverlay .code-cell-row.focused', { hasText: 'class DigitNet' }).locator('.monaco-editor.focused .line-numbers.active-line-number');
  const onLine = await activeLine.filter({ hasText: new RegExp(`^${fcAt.line}$`) }).first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
  const inCell = await cellStatus.first().waitFor({ timeout: 5000 }).then(() => true, () => false);
  check(`with the cursor in cell 4, clicking fc in the panel puts the cursor in cell ${fcAt.cell} on its line ${fcAt.line}`, onLine && inCell,
    `status "Cell ${fcAt.cell} of ${cells.length}": ${inCell}; active line in the focused model cell: ${(await activeLine.allInnerTexts()).join(',') || 'none'}`);
  await shot(page, 'notebook-reveal');

  // Last, so the Output panel does not cover the notebook above: the host the extension ran in.
  const log = await readLog(page);
  const activated = activation(log);
  check(`the extension runs in the ${HOST.name}`, activated?.host.startsWith(HOST.name) === true, activated?.host ?? log.slice(0, 200));
  await shot(page, 'notebook-output-channel');
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'conv-lens-notebook-'));
  const userData = join(work, 'user-data');
  const extensions = join(work, 'extensions');
  const workspace = join(work, 'workspace');
  mkdirSync(workspace, { recursive: true });
  cpSync(join(ROOT, 'test', 'notebooks', NOTEBOOK), join(workspace, NOTEBOOK));
  prepareUserData(userData, { ...HOST.settings, 'workbench.colorTheme': 'Default Dark Modern', 'notebook.lineNumbers': 'on' });
  mkdirSync(extensions, { recursive: true });
  if (DEV) {
    if (!existsSync(join(ROOT, 'out', 'webview', 'preview.js'))) throw new Error('out/webview/preview.js is missing: run npm run build first.');
  } else {
    await installVsix(userData, extensions, packagedVsix());
  }
  const server = await startCodeServer({ userDataDir: userData, extensionsDir: extensions, folder: workspace, logFile: join(OUT, 'code-server.log') });
  const query = DEV ? `&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${new URL(server.url).host}${ROOT}`]]))}` : '';
  const browser = await launchChromium();
  let failure: unknown;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}${query}`);
    await waitForWorkbench(page);
    await notebook(page);
  } catch (error) {
    failure = error;
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(OUT, 'failure.png') }).catch(() => undefined);
  } finally {
    await browser.close();
    await server.stop();
  }
  // code-server may still be writing its workspace storage as it exits: retry instead of failing the run.
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  report.finish(OUT, failure);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
