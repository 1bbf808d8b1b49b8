// Driving the VS Code workbench in Chromium the way a user does: keyboard, Quick Open, the command palette.
import type { Page } from 'playwright-core';

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  // The status bar appears once the workbench has restored its parts.
  await page.waitForSelector('#status\\.problems', { timeout: 60_000 });
}

/** Opens a file by quick open; gives when Enter was pressed on it (Date.now()). */
export async function openFile(page: Page, fileName: string): Promise<number> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 20_000 });
  const entered = Date.now();
  await page.keyboard.press('Enter');
  await page.locator('.editor-group-container.active .tab.active', { hasText: fileName }).first().waitFor({ timeout: 20_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  return entered;
}

export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // With a webview focused, the key goes to its iframe and the workbench may never see it: press again.
  // It can also close again at once, when the webview takes the focus back: then it is opened again.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const opened = await input.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false);
    const filled = opened && await input.fill(`>${title}`, { timeout: 5_000 }).then(() => true, () => false);
    if (filled) break;
    if (attempt === 3) throw new Error(`the command palette did not stay open for "${title}" after 3 presses of F1`);
  }
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
}

/** The Conv Lens output channel as shown in the Output panel (works for both extension hosts). */
export async function readLog(page: Page): Promise<string> {
  await runCommand(page, 'Conv Lens: Show Log');
  const view = page.locator('.part.panel .monaco-editor .view-lines').first();
  await view.waitFor({ timeout: 10_000 });
  await page.waitForTimeout(200);
  return (await view.innerText()).replace(/\u00a0/g, ' ');
}

/** What the extension's activation line in its log says: the time and the host it runs in ("web worker extension host, ..."). */
export function activation(log: string): { ms: string; host: string } | undefined {
  const activated = /activated in ([\d.]+) ms \(([^)]*)\)/.exec(log);
  return activated ? { ms: activated[1] ?? '', host: activated[2] ?? '' } : undefined;
}

/** The extension host the run asked for: `--web-worker` (or CONV_LENS_E2E_HOST=web) is the browser's web worker. */
export function requestedHost(): { webWorker: boolean; name: string; settings: Record<string, unknown> } {
  const webWorker = process.argv.includes('--web-worker') || process.env['CONV_LENS_E2E_HOST'] === 'web';
  return {
    webWorker,
    name: webWorker ? 'web worker extension host' : 'Node extension host',
    settings: webWorker ? { 'remote.extensionKind': { 'conv-lens.conv-lens': ['web'] } } : {},
  };
}

/** Puts the cursor at a 1-based line and column with Go to Line. */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  // Go to Line is Quick Open with a ":" prefix; filling replaces the prefix, so write it back.
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** The status bar's problem counts. */
export async function problemCounts(page: Page): Promise<{ errors: number; warnings: number; text: string }> {
  const item = page.locator('#status\\.problems');
  const label = (await item.getAttribute('aria-label')) ?? '';
  const text = (await item.innerText()).replace(/\s+/g, ' ').trim();
  const errors = /(\d+)\s+Error/i.exec(label)?.[1] ?? /^(\d+)/.exec(text)?.[1] ?? '0';
  const warnings = /(\d+)\s+Warning/i.exec(label)?.[1] ?? /(\d+)\s+(\d+)/.exec(text)?.[2] ?? '0';
  return { errors: Number(errors), warnings: Number(warnings), text: label || text };
}

export function activeEditor(page: Page) {
  return page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
}

export async function activeEditorText(page: Page): Promise<string> {
  return (await activeEditor(page).locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}

export async function squiggleCount(page: Page): Promise<number> {
  return activeEditor(page).locator('.squiggly-error').count();
}

/** A DOM condition the latency probe waits for: how many elements match, optionally containing a text. */
export interface DomCondition {
  selector: string;
  /** Wait until at least this many elements match (default 1)... */
  atLeast?: number;
  /** ...or until at most this many match (for "the squiggle is gone"). */
  atMost?: number;
  text?: string;
  /** Count only elements that are rendered (hidden widgets keep stale content in the DOM). */
  visible?: boolean;
}

/**
 * Milliseconds from the next keydown in the page to the moment `condition` holds on the DOM
 * (checked on every mutation and animation frame). Call this, press the key, then await probeResult.
 * `also`, when given, is timed from the same keydown (probeAlsoResult): e.g. the typed character on screen.
 */
export async function armLatencyProbe(page: Page, condition: DomCondition, also?: DomCondition): Promise<void> {
  await page.evaluate(([c, a]) => {
    const holds = (d: DomCondition): boolean => {
      const all = Array.from(document.querySelectorAll(d.selector)).filter((e) => !d.visible || e.checkVisibility());
      const matching = d.text === undefined ? all : all.filter((e) => (e.textContent ?? '').includes(d.text ?? ''));
      return d.atMost !== undefined ? matching.length <= d.atMost : matching.length >= (d.atLeast ?? 1);
    };
    const w = window as unknown as { __probe?: { start: number; end: number; alsoEnd: number } };
    const probe = { start: -1, end: -1, alsoEnd: a ? -1 : 0 };
    w.__probe = probe;
    window.addEventListener('keydown', () => {
      if (probe.start < 0) probe.start = performance.now();
    }, { capture: true, once: true });
    const done = (): boolean => {
      if (probe.start < 0) return false;
      const now = performance.now();
      if (a && probe.alsoEnd < 0 && holds(a)) probe.alsoEnd = now - probe.start;
      if (probe.end < 0 && holds(c)) probe.end = now;
      return probe.end >= 0 && probe.alsoEnd >= 0;
    };
    const observer = new MutationObserver(() => {
      if (done()) observer.disconnect();
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    const tick = (): void => {
      if (done()) observer.disconnect();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, [condition, also] as const);
}

export async function probeResult(page: Page, timeoutMs = 15_000): Promise<number> {
  await page.waitForFunction(() => ((window as unknown as { __probe?: { end: number } }).__probe?.end ?? -1) >= 0, undefined, { timeout: timeoutMs });
  return page.evaluate(() => {
    const probe = (window as unknown as { __probe: { start: number; end: number } }).__probe;
    return probe.end - probe.start;
  });
}

/** Milliseconds from the keydown to the `also` condition of the last armed probe. */
export async function probeAlsoResult(page: Page, timeoutMs = 15_000): Promise<number> {
  await page.waitForFunction(() => ((window as unknown as { __probe?: { alsoEnd: number } }).__probe?.alsoEnd ?? -1) >= 0, undefined, { timeout: timeoutMs });
  return page.evaluate(() => (window as unknown as { __probe: { alsoEnd: number } }).__probe.alsoEnd);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
