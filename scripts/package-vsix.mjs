// Packages the extension with vsce: `node scripts/package-vsix.mjs [--ls]`.
// package.json keeps a "files" list for the npm CLI package, and vsce refuses a "files" list next to a
// .vscodeignore, so vsce runs on a staged copy whose manifest has no "files"; the allowlist
// .vscodeignore still decides what ships. The bundles are self-contained, hence --no-dependencies.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const stage = join(root, '.cache', 'vsix-stage');
const listOnly = process.argv.includes('--ls');

for (const required of ['out/extension.js', 'out/extension.browser.js', 'out/wasm/web-tree-sitter.wasm']) {
  if (!existsSync(join(root, required))) {
    console.error(`package-vsix: ${required} is missing; run \`node esbuild.config.mjs --production\` first.`);
    process.exit(1);
  }
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
delete manifest.files;
writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2));
for (const path of ['.vscodeignore', 'README.md', 'LICENSE', 'CHANGELOG.md', 'syntaxes', 'out/extension.js', 'out/extension.browser.js', 'out/wasm']) {
  if (existsSync(join(root, path))) cpSync(join(root, path), join(stage, path), { recursive: true });
}

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const packageFlags = ['--no-dependencies', '--allow-missing-repository'];
if (!existsSync(join(root, 'LICENSE'))) {
  console.warn('package-vsix: no LICENSE file yet; packaging without one.');
  packageFlags.push('--skip-license');
}
const run = (args) => execFileSync(process.execPath, [vsce, ...args], { cwd: stage, stdio: 'inherit' });
console.log('Files in the package (vsce ls):');
run(['ls', '--no-dependencies']);
if (!listOnly) run(['package', ...packageFlags, '--out', join(root, `${manifest.name}-${manifest.version}.vsix`)]);
