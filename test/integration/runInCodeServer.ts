// Runs the integration suite inside code-server's real VS Code 1.100 workbench, the way @vscode/test-web
// does for the web: the workbench URL's `payload` names the extension under development and the tests,
// and the workbench reports the extension host's exit through window.codeAutomationExit.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, launchChromium, prepareUserData, startCodeServer } from '../e2e/codeServer';

const TIMEOUT_MS = 240_000;

export async function runSuiteInCodeServer(): Promise<number> {
  const suite = join(ROOT, 'out', 'integration', 'suite', 'index.js');
  if (!existsSync(suite)) throw new Error(`${suite} is missing: run npm run build first.`);
  const out = join(ARTIFACTS, 'integration');
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'conv-lens-itest-'));
  const workspace = join(work, 'workspace');
  cpSync(join(ROOT, 'test', 'fixtures'), workspace, { recursive: true });
  const userData = join(work, 'user-data');
  prepareUserData(userData);
  const report = join(out, 'mocha.log');
  rmSync(report, { force: true });
  const server = await startCodeServer({
    userDataDir: userData, extensionsDir: join(work, 'extensions'), folder: workspace, logFile: join(out, 'code-server.log'),
    env: { CONV_LENS_TEST_LOG: report },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    let exitCode: number | undefined;
    // The workbench forwards every console message; the suite's start is where the interesting part begins.
    let suiteStarted = false;
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const parts = Array.isArray(args) ? args : [args];
      suiteStarted ||= parts.some((p) => typeof p === 'string' && p.includes('Conv Lens in VS Code'));
      if (suiteStarted) console.log(...parts);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
    });
    const remote = `vscode-remote://${new URL(server.url).host}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `${remote}${ROOT}`],
      ['extensionTestsPath', `${remote}${suite.replace(/\.js$/, '')}`],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const deadline = Date.now() + TIMEOUT_MS;
    let finished: RegExpExecArray | null = null;
    while (!finished && exitCode === undefined) {
      if (Date.now() > deadline) {
        await page.screenshot({ path: join(out, 'timeout.png') });
        throw new Error(`the suite did not finish within ${TIMEOUT_MS / 1000} s; see ${out}`);
      }
      await new Promise((r) => setTimeout(r, 250));
      finished = existsSync(report) ? /^# exit (\d+)$/m.exec(readFileSync(report, 'utf8')) : null;
    }
    // The extension host's console was streamed above through codeAutomationLog; the report stays on disk.
    console.log(`Mocha report: ${report}`);
    const failures = finished ? Number(finished[1]) : (exitCode ?? 1);
    return failures === 0 && (exitCode === undefined || exitCode === 0) ? 0 : 1;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

// Run directly (node out/integration/runInCodeServer.js), not when bundled into runTest.js.
if (/runInCodeServer\.js$/.test(process.argv[1] ?? '')) {
  runSuiteInCodeServer().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
