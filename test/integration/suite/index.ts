// Mocha entry the extension host loads (extensionTestsPath). Runs every *.itest.js next to it.
// The report also goes to $CONV_LENS_TEST_LOG when set, ending with "# exit <failures>", so a runner
// that cannot read the extension host's console (code-server) still gets it.
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const logFile = process.env['CONV_LENS_TEST_LOG'];
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  if (logFile) {
    writeFileSync(logFile, '');
    const original = base.consoleLog;
    base.consoleLog = (...args: unknown[]): void => {
      appendFileSync(logFile, `${format(...args)}\n`);
      original(...args);
    };
  }
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec' });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.itest.js')).sort()) mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (logFile) appendFileSync(logFile, `# exit ${failures}\n`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
