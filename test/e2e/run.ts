// End-to-end, as a user: install the packaged .vsix into code-server, open fixtures in Chromium and check
// what is on screen. Prints latencies; screenshots and logs go to .test-artifacts/e2e/.
// Prerequisites (npm run test:e2e does both): .ci/setup-code-server.sh, npm run package.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Report } from './report';
import { ARTIFACTS, ROOT, installVsix, packagedVsix, launchChromium, prepareUserData, startCodeServer } from './codeServer';
import {
  activation, activeEditor, activeEditorText, armLatencyProbe, goTo, median, openFile, probeAlsoResult, probeResult, problemCounts, readLog, requestedHost, runCommand, squiggleCount,
  waitForWorkbench,
} from './workbench';

// --web-worker (or CONV_LENS_E2E_HOST=web) runs the extension in the browser's web-worker extension host
// (the browser bundle, as on vscode.dev) instead of code-server's Node extension host.
const HOST = requestedHost();
const WEB_WORKER = HOST.webWorker;
const HOST_SETTINGS = HOST.settings;
const OUT = join(ARTIFACTS, WEB_WORKER ? 'e2e-web-worker' : 'e2e');
const SEED_001 = 'seed001_third_conv_in_channels.py';
const LARGE = 'large_deep_stack_500_lines.py';
const SAMPLES = 5;
/** The conv5 line of the 500-line file after typing 6 before its in_channels (32 -> 632). */
const CONV5_TYPED = 'Conv2d(632,';

const report = new Report();
const { metrics } = report;
const check = report.check.bind(report);

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

/** 1-based line and column of the first occurrence of `needle` (column of its first character + offset). */
function locate(file: string, needle: string, offset = 0): { line: number; column: number } {
  const lines = readFileSync(join(ROOT, 'test', 'fixtures', file), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not found in ${file}`);
  return { line: index + 1, column: (lines[index] ?? '').indexOf(needle) + 1 + offset };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

/** Every file called `name` under `dir` (one log per workbench session), oldest session first. */
function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return findFiles(path, name);
      return entry.name === name ? [path] : [];
    });
}

/** Waits for a line in the extension's log: on disk for the Node host, else in the Output panel. */
async function waitForLog(page: Page, userData: string, text: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (findFiles(join(userData, 'logs'), 'Conv Lens.log').some((file) => readFileSync(file, 'utf8').includes(text))) return true;
    if (WEB_WORKER && (await readLog(page)).includes(text)) {
      await closePanel(page);
      return true;
    }
    await page.waitForTimeout(300);
  }
  await shot(page, 'log-wait-timeout');
  if (WEB_WORKER) await closePanel(page);
  return false;
}

async function closePanel(page: Page): Promise<void> {
  await runCommand(page, 'View: Hide Panel');
}

async function hoverAt(page: Page, file: string, needle: string, expect: string, screenshot?: string): Promise<{ text: string; latency: number }> {
  const at = locate(file, needle, 1);
  await goTo(page, at.line, at.column);
  await armLatencyProbe(page, { selector: '.monaco-hover-content', text: expect, visible: true });
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const latency = await probeResult(page);
  const text = (await page.locator('.monaco-hover-content:visible').allInnerTexts()).join('\n');
  if (screenshot) {
    await page.waitForTimeout(250); // let the hover finish fading in
    await shot(page, screenshot);
  }
  await page.keyboard.press('Escape');
  await page.locator('.monaco-hover-content:visible').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  return { text, latency };
}

/** The layer table as the Markdown preview renders it (a <table> in a webview frame): its header and rows. */
async function renderedTable(page: Page, timeoutMs: number): Promise<{ header: string[]; rows: string[] } | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const found = await frame.$$eval('table', (tables) => tables.map((t) => ({
        header: [...t.querySelectorAll('th')].map((th) => th.textContent?.trim() ?? ''),
        rows: [...t.querySelectorAll('tbody tr')].map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
      }))).catch(() => []);
      const table = found.find((t) => t.header.includes('Receptive field'));
      if (table) return table;
    }
    await page.waitForTimeout(250);
  }
  return null;
}

async function seed001(page: Page): Promise<void> {
  const opened = Date.now();
  await openFile(page, SEED_001);
  await activeEditor(page).locator('.squiggly-error').first().waitFor({ timeout: 30_000 });
  metrics['open → first squiggle (includes activation)'] = ms(Date.now() - opened);
  await page.locator('#status\\.problems').filter({ hasText: /1/ }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  const problems = await problemCounts(page);
  check('seed 001: the third conv gets an error squiggle', (await squiggleCount(page)) >= 1, `${await squiggleCount(page)} squiggle(s)`);
  check('seed 001: Problems shows exactly 1 error', problems.errors === 1, problems.text);
  await shot(page, '01-seed001-squiggle-and-problems');

  const hover = await hoverAt(page, SEED_001, 'convo_layer_three =', 'convo_layer_three', '02-hover-init-layer');
  metrics['hover latency (seed 001, keyboard Show Hover)'] = ms(hover.latency);
  check('hover on convo_layer_three in __init__ names the layer type and its input', hover.text.includes('Conv2d') && hover.text.includes('['), hover.text.replace(/\s+/g, ' ').slice(0, 160));

  const hover2 = await hoverAt(page, SEED_001, 'self.convo_layer_two(x)', 'convo_layer_two', '03-hover-forward-layer');
  check('hover on convo_layer_two in forward shows input → output and params', /→/.test(hover2.text) && /Params/.test(hover2.text), hover2.text.replace(/\s+/g, ' ').slice(0, 160));

  const text = await activeEditorText(page);
  const hint = /→ \[[^\]]*\]/.exec(text)?.[0];
  check('an inlay hint shows a shape after a forward statement', hint !== undefined, hint ?? 'no "→ [..]" in the editor text');
  await activeEditor(page).locator('.codelens-decoration').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  const lenses = (await activeEditor(page).locator('.codelens-decoration').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const lens = lenses.find((l) => l.includes('input ['));
  check('the code lens above the model summarises input -> output', lens !== undefined, lens ?? JSON.stringify(lenses));
  await shot(page, '04-inlay-hint-and-code-lens');
  if (lens) {
    await activeEditor(page).locator('.codelens-decoration a', { hasText: 'input [' }).first().click();
    const table = await renderedTable(page, 20_000);
    const source = await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '| Receptive field' }).count();
    check('clicking the code lens opens the layer table, rendered: a table of every layer, not Markdown source',
      table !== null && table.rows.some((r) => r.includes('convo_layer_three')) && source === 0,
      table === null ? 'no rendered table in any frame' : `${table.header.join(' | ')}; ${table.rows.length} rows; Markdown source editors: ${source}`);
    await shot(page, '04b-layer-table');
    await runCommand(page, 'View: Close All Editor Groups');
    await openFile(page, SEED_001);
  }

  // Quick fix: open the light bulb menu as a user would, then apply the preferred fix (Auto Fix).
  const bad = locate(SEED_001, 'nn.Conv2d(64', 'nn.Conv2d('.length + 1);
  await goTo(page, bad.line, bad.column);
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget');
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  const actions = (await menu.locator('.monaco-list-row').allInnerTexts()).map((t) => t.trim()).filter((t) => t !== '');
  await shot(page, '05-quick-fix-menu');
  check('the quick fix menu offers a fix for the channel mismatch', actions.length > 0, JSON.stringify(actions));
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Alt+.');
  await activeEditor(page).locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(300);
  const after = await problemCounts(page);
  const fixedLine = (await activeEditorText(page)).split('\n').find((l) => l.includes('convo_layer_three = nn.Conv2d')) ?? '';
  check('applying the preferred quick fix clears the error', (await squiggleCount(page)) === 0 && after.errors === 0, `${after.text}; line now: ${fixedLine.trim()}`);
  await shot(page, '06-after-quick-fix');
}

interface TypingLatency {
  appear: string;
  clear: string;
  /** Keystroke to the typed character on screen: the editor's own echo, the floor for the figures above. */
  echo: string;
}

/** Types a digit that breaks in_channels at `at` and deletes it again, SAMPLES times; `typed` is the text with the digit. */
async function measureTyping(page: Page, at: { line: number; column: number }, typed: string, screenshot?: string, samples = SAMPLES): Promise<TypingLatency> {
  const appear: number[] = [];
  const clear: number[] = [];
  const echo: number[] = [];
  const squiggles = '.editor-group-container.active .squiggly-error';
  const lines = '.editor-group-container.active .view-line';
  for (let i = 0; i < samples; i++) {
    await goTo(page, at.line, at.column);
    await armLatencyProbe(page, { selector: squiggles, atLeast: 1 }, { selector: lines, text: typed });
    await page.keyboard.type('6');
    appear.push(await probeResult(page));
    echo.push(await probeAlsoResult(page));
    if (i === 0 && screenshot) await shot(page, screenshot);
    await armLatencyProbe(page, { selector: squiggles, atMost: 0 }, { selector: lines, text: typed, atMost: 0 });
    await page.keyboard.press('Backspace');
    clear.push(await probeResult(page));
    echo.push(await probeAlsoResult(page));
  }
  const summary = (values: number[]): string => `${ms(median(values))} (samples ${values.map((v) => v.toFixed(0)).join(', ')})`;
  return { appear: summary(appear), clear: summary(clear), echo: summary(echo) };
}

async function largeFile(page: Page): Promise<void> {
  await openFile(page, LARGE);
  await activeEditor(page).locator('.codelens-decoration', { hasText: 'input [' }).first().waitFor({ timeout: 30_000 });
  const comment = locate(LARGE, '# x: [1, 3, 32, 32]');
  await goTo(page, comment.line, 1);
  await page.waitForTimeout(300);
  // The injection grammar gives the shape comment's name and dimensions their own token colours.
  const commentClasses = await activeEditor(page).locator('.view-line', { hasText: '# x: [1, 3, 32, 32]' }).first().locator('span > span').evaluateAll(
    (spans) => spans.map((s) => `${s.textContent ?? ''}=${s.className}`),
  );
  const distinct = new Set(commentClasses.map((c) => c.split('=')[1]));
  check('the shape comment is highlighted (several token colours inside the comment)', distinct.size >= 3, commentClasses.join(' '));
  await shot(page, '07-large-file-shape-comment');

  const target = locate(LARGE, 'self.conv5 = nn.Conv2d(', 'self.conv5 = nn.Conv2d('.length);
  const typing = await measureTyping(page, target, CONV5_TYPED, '08-large-file-error-while-typing');
  metrics['keystroke → error squiggle, 500-line file (median of 5, default 150 ms debounce)'] = typing.appear;
  metrics['keystroke → squiggle cleared, 500-line file (median of 5, default 150 ms debounce)'] = typing.clear;
  metrics['keystroke → character on screen, same keystrokes (median of 10)'] = typing.echo;
  check('typing a wrong in_channels in the 500-line file shows an error, deleting it clears it', true, '');
  await goTo(page, locate(LARGE, 'class DeepStack').line, 1);
  const lensBack = await activeEditor(page).locator('.codelens-decoration', { hasText: 'output [1, 10] · 364.5K params' }).first()
    .waitFor({ timeout: 5000 }).then(() => true, () => false);
  const lensNow = (await activeEditor(page).locator('.codelens-decoration').allInnerTexts()).join(' ');
  check('after the edits the code lens is back to the original summary', lensBack, lensNow);
  await shot(page, '08b-code-lens-after-typing');

  const hovers: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const h = await hoverAt(page, LARGE, 'self.conv20(x)', 'conv20', i === 0 ? '09-hover-large-file' : undefined);
    hovers.push(h.latency);
  }
  metrics['hover latency, 500-line file (median of 5)'] = `${ms(median(hovers))} (samples ${hovers.map((v) => v.toFixed(0)).join(', ')})`;
}

interface SessionDirs {
  userData: string;
  extensions: string;
  workspace: string;
  /** Names the server log and the failure screenshot. */
  name: string;
}

/** One code-server + Chromium session; returns what went wrong instead of throwing, after a screenshot. */
async function session(dirs: SessionDirs, body: (page: Page) => Promise<void>): Promise<unknown> {
  const { userData, extensions, workspace, name } = dirs;
  const server = await startCodeServer({ userDataDir: userData, extensionsDir: extensions, folder: workspace, logFile: join(OUT, `${name}.log`) });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const loadStart = Date.now();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await waitForWorkbench(page);
    metrics[`workbench ready (${name})`] = ms(Date.now() - loadStart);
    await body(page);
    return undefined;
  } catch (error) {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(OUT, `failure-${name}.png`) }).catch(() => undefined);
    return error ?? new Error(`${name} failed`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Keystroke to squiggle in the 500-line file with `convLens.diagnostics.delay: 0` set before the start. */
async function debounceFree(page: Page, userData: string): Promise<void> {
  await openFile(page, LARGE);
  await activeEditor(page).locator('.codelens-decoration', { hasText: 'input [' }).first().waitFor({ timeout: 30_000 });
  const applied = await waitForLog(page, userData, 'diagnostics delay 0 ms', 15_000);
  check('the second workbench starts the extension with diagnostics delay 0', applied, applied ? '' : 'no "diagnostics delay 0 ms" in the Conv Lens log');
  const target = locate(LARGE, 'self.conv5 = nn.Conv2d(', 'self.conv5 = nn.Conv2d('.length);
  const typing = await measureTyping(page, target, CONV5_TYPED, '11-large-file-debounce-0', 2 * SAMPLES);
  metrics['keystroke → error squiggle, 500-line file (median of 10, debounce 0)'] = typing.appear;
  metrics['keystroke → squiggle cleared, 500-line file (median of 10, debounce 0)'] = typing.clear;
  metrics['keystroke → character on screen, same keystrokes (median of 20, debounce 0)'] = typing.echo;
  check('with debounce 0, typing a wrong in_channels shows the error and deleting it clears it', true, '');
}

async function main(): Promise<void> {
  const vsix = packagedVsix();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'conv-lens-e2e-'));
  const userData = join(work, 'user-data');
  const extensions = join(work, 'extensions');
  const workspace = join(work, 'workspace');
  cpSync(join(ROOT, 'test', 'fixtures'), workspace, { recursive: true });
  prepareUserData(userData, HOST_SETTINGS);
  const installStart = Date.now();
  await installVsix(userData, extensions, vsix);
  metrics['install .vsix'] = ms(Date.now() - installStart);

  const failure = await session({ userData, extensions, workspace, name: 'code-server' }, async (page) => {
    await seed001(page);
    const log = await readLog(page);
    const activated = activation(log);
    metrics['extension activate() (from its Output channel, parsers included)'] = activated ? `${activated.ms} ms (${activated.host})` : 'not found';
    check(`the extension runs in the ${HOST.name}`, activated?.host.startsWith(HOST.name) === true, activated?.host ?? log.slice(0, 200));
    await shot(page, '06b-output-channel');
    await closePanel(page);
    await largeFile(page);
    await shot(page, '10-final');
  });
  // A second workbench whose user settings already set the debounce to 0: the analysis path on its own,
  // without relying on a settings change reaching a running extension host.
  prepareUserData(userData, { ...HOST_SETTINGS, 'convLens.diagnostics.delay': 0 });
  const failure0 = failure ?? (await session({ userData, extensions, workspace, name: 'code-server-debounce-0' }, (page) => debounceFree(page, userData)));
  findFiles(join(userData, 'logs'), 'Conv Lens.log').forEach((log, i) => cpSync(log, join(OUT, `conv-lens-output.${i + 1}.log`)));
  // code-server may still be writing its workspace storage as it exits: retry instead of failing the run.
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  report.finish(OUT, failure0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
