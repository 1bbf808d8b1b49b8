// `conv-lens check --format sarif|github|json` from the shipped bundle: SARIF validated against the SARIF 2.1.0
// JSON schema (the OASIS schema file shipped in @microsoft/jest-sarif, a draft-04 schema, checked with Ajv's
// draft-04 validator), locations checked against the core's own findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import { analyze } from './support/analyze';
import { diagnosticMessage } from '../src/core/presentation';
import { displayPath } from '../src/cli/display-path';

type Cli = typeof import('../src/cli/main');

const root = join(__dirname, '..', '..');
const cli = require(join(root, 'out', 'cli.js')) as Cli;
const seed001 = join('test', 'fixtures', 'seed001_third_conv_in_channels.py');
const clean = join('test', 'fixtures', 'seed000_convnet_example_input.py');

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  const cwd = process.cwd();
  process.chdir(root);
  try {
    r.code = await cli.main(['check', ...args], { stdout: (s) => { r.out += s; }, stderr: (s) => { r.err += s; } });
  } finally {
    process.chdir(cwd);
  }
  return r;
}

const schema = JSON.parse(readFileSync(join(root, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
// The schema's `format: uri` values are checked here by URL parsing; Ajv's own format checks are a separate package.
// unicodeRegExp off: the schema's language pattern is written for non-Unicode regular expressions.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, formats: { uri: (s: string) => URL.canParse(s), 'uri-reference': true, 'date-time': true } });
const validate = ajv.compile(schema);

interface SarifRegion { startLine: number; startColumn: number; endLine: number; endColumn: number }
interface SarifLocation { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: SarifRegion } }
interface SarifLog {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string; helpUri: string }> } };
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Array<{ message: { text: string } }> }>;
    results: Array<{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: SarifLocation[]; relatedLocations?: Array<SarifLocation & { message: { text: string } }> }>;
  }>;
}

function region(r: { start: { line: number; character: number }; end: { line: number; character: number } }): SarifRegion {
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

test('the schema check rejects a log that breaks SARIF 2.1.0 (the validator is really applied)', () => {
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false);
  assert.equal(validate({ version: '2.0.0', runs: [] }), false);
});

test('check --format sarif on seed 001 is valid SARIF 2.1.0 with the finding, its rule link and related locations', async () => {
  const r = await check('--format', 'sarif', seed001);
  assert.equal(r.code, 1, r.err);
  const log = JSON.parse(r.out) as SarifLog;
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));

  const [finding] = (await analyze(readFileSync(join(root, seed001), 'utf8'))).findings;
  assert.ok(finding);
  const run = log.runs[0];
  assert.ok(run);
  assert.equal(run.tool.driver.name, 'Conv Lens');
  assert.deepEqual(run.tool.driver.rules.map((rule) => rule.id), ['channel-mismatch']);
  assert.match(run.tool.driver.rules[0]?.helpUri ?? '', /^file:\/\/.*\/README\.md#code-channel-mismatch$/);
  assert.equal(run.results.length, 1);
  const [result] = run.results;
  assert.ok(result);
  assert.equal(result.ruleId, 'channel-mismatch');
  assert.equal(result.ruleIndex, 0);
  assert.equal(result.level, 'error');
  assert.equal(result.message.text, diagnosticMessage(finding));
  assert.deepEqual(result.locations[0]?.physicalLocation, {
    artifactLocation: { uri: 'test/fixtures/seed001_third_conv_in_channels.py', uriBaseId: '%SRCROOT%' },
    region: region(finding.range),
  });
  assert.equal(region(finding.range).startLine, 10);
  assert.deepEqual(result.relatedLocations?.map((l) => [l.physicalLocation.region, l.message.text]), finding.related.map((rel) => [region(rel.range), rel.message]));
  assert.ok((result.relatedLocations?.length ?? 0) > 0);
});

test('check --format sarif on a clean file and an unreadable one: valid, no results, the failure as a notification', async () => {
  const r = await check('--format', 'sarif', clean, 'test/fixtures/no_such_file.py');
  assert.equal(r.code, 2);
  const log = JSON.parse(r.out) as SarifLog;
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  const run = log.runs[0];
  assert.deepEqual(run?.results, []);
  assert.equal(run?.invocations[0]?.executionSuccessful, false);
  assert.match(run?.invocations[0]?.toolExecutionNotifications[0]?.message.text ?? '', /cannot read test\/fixtures\/no_such_file\.py: ENOENT/);
});

test('check --format github prints one ::error annotation per finding with its range, escaped', async () => {
  const r = await check('--format', 'github', seed001);
  assert.equal(r.code, 1);
  const [finding] = (await analyze(readFileSync(join(root, seed001), 'utf8'))).findings;
  assert.ok(finding);
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const m = /^::error file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([^:]+)::(.*)$/.exec(lines[0] ?? '');
  assert.ok(m, lines[0]);
  const rg = region(finding.range);
  assert.deepEqual(m.slice(1, 7), [seed001, String(rg.startLine), String(rg.startColumn), String(rg.endLine), String(rg.endColumn), 'Conv Lens channel-mismatch']);
  // Newlines inside the message are %0A so the annotation stays one command.
  const message = decodeURIComponent(m[7] ?? '');
  assert.ok(message.startsWith(diagnosticMessage(finding)), message);
  assert.match(message, /seed001_third_conv_in_channels\.py:9:46: the input comes from convo_layer_two \(Conv2d\) here/);
});

test('check --format github prints nothing for a clean file; --json and --format json agree; a bad format is a usage error', async () => {
  const clear = await check('--format', 'github', clean);
  assert.equal(clear.code, 0);
  assert.equal(clear.out, '');
  const json = await check('--json', seed001);
  const format = await check('--format=json', seed001);
  assert.equal(json.out, format.out);
  assert.equal((JSON.parse(json.out) as { files: Array<{ diagnostics: unknown[] }> }).files[0]?.diagnostics.length, 1);
  const bad = await check('--format', 'xml', seed001);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--format needs one of text, json, sarif, github \(got 'xml'\)/);
});

test('related locations in another file of the program print relative to the current directory, as the file given does; --json keeps absolute paths', async () => {
  const train = join('test', 'projects', 'broken_across_files', 'train.py');
  const blocks = 'test/projects/broken_across_files/blocks.py';
  const text = await check(train);
  assert.equal(text.code, 1);
  const related = text.out.split('\n').filter((l) => l.startsWith('    ') && l.includes('blocks.py:'));
  assert.ok(related.length >= 2, text.out);
  for (const line of related) assert.ok(line.startsWith(`    ${blocks}:`), line);
  const github = await check('--format', 'github', train);
  assert.ok(github.out.includes(`%0A${blocks}:9:31: `), github.out);
  assert.ok(!github.out.includes(root), 'no absolute path in the annotations');
  const json = JSON.parse((await check('--json', train)).out) as { files: Array<{ diagnostics: Array<{ related?: Array<{ file?: string }> }> }> };
  const files = json.files[0]?.diagnostics.flatMap((d) => d.related ?? []).map((r) => r.file).filter((f) => f !== undefined) ?? [];
  assert.ok(files.length >= 2 && files.every((f) => f === join(root, blocks)), JSON.stringify(files));
});

test('a related location outside the current directory (an installed package) stays absolute', () => {
  assert.equal(displayPath('/usr/lib/python3/dist-packages/torchaudio/models/emformer.py', '/work/project'), '/usr/lib/python3/dist-packages/torchaudio/models/emformer.py');
  assert.equal(displayPath('/work/project/models/blocks.py', '/work/project'), 'models/blocks.py');
});
