// The weights line of the panel: where the weights came from and how a file's tensors matched the model.
// A file for another model can miss hundreds of names, so each list is cut; the whole text goes in the tooltip. Pure.
import type { WeightsReport } from '../../src/shared/protocol';

function list(items: readonly string[], separator: string, shown: number): string {
  return items.length <= shown ? items.join(separator) : `${items.slice(0, shown).join(separator)}${separator}… and ${items.length - shown} more`;
}

/** The line (`text`, lists cut after `shown` names) and the same with every name (`full`). */
export function describeWeights(r: WeightsReport, fromFile: boolean, shown = 6): { text: string; full: string; warn: boolean } {
  const describe = (limit: number): string => {
    if (!fromFile) return `Weights: ${r.source}`;
    const problems = [
      r.missing.length ? `missing (seeded instead): ${list(r.missing, ', ', limit)}` : '',
      r.mismatched.length ? `wrong shape (seeded instead): ${list(r.mismatched, '; ', limit)}` : '',
      r.unexpected.length ? `not used by the model: ${list(r.unexpected, ', ', limit)}` : '',
    ].filter((p) => p !== '');
    return `Weights: ${r.source} — ${r.matched} tensor(s) matched by name${problems.length ? `; ${problems.join('; ')}` : ', all of the model\'s parameters'}`;
  };
  const warn = fromFile && r.missing.length + r.mismatched.length + r.unexpected.length > 0;
  return { text: describe(shown), full: describe(Infinity), warn };
}
