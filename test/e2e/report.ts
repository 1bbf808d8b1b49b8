// What an e2e run found: its checks (printed as they happen) and measurements, written out once at the end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export class Report {
  readonly checks: Check[] = [];
  readonly metrics: Record<string, string> = {};

  check(name: string, ok: boolean, detail = ''): void {
    this.checks.push({ name, ok, detail });
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}`);
  }

  /** Prints the measurements, writes results.json to `out`, and fails the process if anything failed. */
  finish(out: string, failure: unknown): void {
    console.log('\nMeasurements');
    for (const [name, value] of Object.entries(this.metrics)) console.log(`  ${name}: ${value}`);
    writeFileSync(join(out, 'results.json'), JSON.stringify({ checks: this.checks, metrics: this.metrics }, null, 2));
    console.log(`\nScreenshots and logs: ${out}`);
    if (failure) throw failure;
    const failed = this.checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      console.error(`\n${failed.length} of ${this.checks.length} checks failed.`);
      process.exit(1);
    }
    console.log(`\nAll ${this.checks.length} checks passed.`);
  }
}
