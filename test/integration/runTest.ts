// Integration suite runner. With a local VS Code desktop (VSCODE_EXECUTABLE_PATH or --vscode <path>) it uses
// @vscode/test-electron; VS Code desktop cannot be downloaded on this network, so otherwise the same suite
// runs inside code-server's workbench (.ci/setup-code-server.sh installs it).
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { runSuiteInCodeServer } from './runInCodeServer';

const ROOT = resolve(__dirname, '..', '..');

function executablePath(): string | undefined {
  const flag = process.argv.indexOf('--vscode');
  return (flag >= 0 ? process.argv[flag + 1] : undefined) ?? process.env['VSCODE_EXECUTABLE_PATH'];
}

async function main(): Promise<number> {
  const vscodeExecutablePath = executablePath();
  if (!vscodeExecutablePath) {
    console.log('No VSCODE_EXECUTABLE_PATH: running the integration suite in code-server.');
    return runSuiteInCodeServer();
  }
  const workspace = mkdtempSync(join(tmpdir(), 'conv-lens-itest-'));
  cpSync(join(ROOT, 'test', 'fixtures'), workspace, { recursive: true });
  return runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out', 'integration', 'suite', 'index'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
