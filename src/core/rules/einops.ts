// einops.rearrange / reduce / repeat and einops.layers.torch.Rearrange / Reduce: the output shape of a pattern
// such as 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', by einops' documented rules. einops' own messages are not
// quoted (there is no einops to check them against), so findings carry none.
import { dimEquals, dimToString, divExact, isKnown, mul, product, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type LayerArgs, type LayerSpec } from './layer-spec';
import { asDim, fail, firstInput, isResult, shapeText } from './common';

type Kind = 'rearrange' | 'reduce' | 'repeat';

/** One side of the pattern: each entry is one dim of the tensor, a list of axis names (a group) or ['...']. */
type Entry = string[] & { grouped?: boolean };

function side(text: string): Entry[] | undefined {
  const out: Entry[] = [];
  let group: string[] | null = null;
  for (const t of text.match(/\.\.\.|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+|\S/g) ?? []) {
    if (t === '(') {
      if (group !== null) return undefined;
      group = [];
    } else if (t === ')') {
      if (group === null) return undefined;
      const g: Entry = group;
      g.grouped = true;
      out.push(g);
      group = null;
    } else if (!/^(\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\d+)$/.test(t)) return undefined;
    else if (group !== null) group.push(t);
    else out.push([t]);
  }
  return group === null ? out : undefined;
}

function einopsFail(who: string, message: string): ApplyResult {
  return fail('einops-pattern', `${who}: ${message}`, { blamesInput: true });
}

export function einopsShape(kind: Kind, who: string, x: Shape, pattern: string, length: (axis: string) => Dim | undefined): ApplyResult {
  const parts = pattern.split('->');
  const L = parts.length === 2 ? side(parts[0] as string) : undefined;
  const R = parts.length === 2 ? side(parts[1] as string) : undefined;
  if (!L || !R) return { output: [unknownDim()] };
  const ell = L.some((g) => !g.grouped && g[0] === '...');
  const fixed = L.length - (ell ? 1 : 0);
  if ((!ell && fixed !== x.length) || (ell && fixed > x.length)) {
    return einopsFail(who, `the pattern '${(parts[0] as string).trim()}' has ${fixed} dims${ell ? ' and more' : ''} but the tensor ${shapeText(x)} has ${x.length}`);
  }
  const sizes = new Map<string, Dim>();
  const order: string[] = [];
  let anon = 0;
  let d = 0;
  for (const g of L) {
    if (!g.grouped && g[0] === '...') {
      for (let i = 0; i < x.length - fixed; i++) {
        sizes.set(`...${i}`, x[d++] as Dim);
        order.push(`...${i}`);
      }
      continue;
    }
    const names = g.map((a) => {
      if (!/^\d+$/.test(a)) return a;
      const n = `_${++anon}`;
      sizes.set(n, Number(a));
      return n;
    });
    for (const a of names) {
      if (sizes.has(a)) continue;
      const given = length(a);
      if (given !== undefined) sizes.set(a, given);
    }
    const unknown = names.filter((a) => !sizes.has(a));
    const known = product(names.filter((a) => sizes.has(a)).map((a) => sizes.get(a) as Dim));
    const dim = x[d++] as Dim;
    if (unknown.length > 1) return einopsFail(who, `cannot infer both ${unknown.join(' and ')} from one dim of ${dimToString(dim)}; give one of them as a keyword`);
    if (unknown.length === 1) {
      const q = known === 0 ? undefined : divExact(dim, known);
      if (q === undefined) {
        if (isKnown(dim) && isKnown(known)) return einopsFail(who, `dim ${d - 1} of ${shapeText(x)} is ${dim}, not divisible by ${known} (${g.filter((a) => a !== unknown[0]).join(' x ')})`);
        sizes.set(unknown[0] as string, unknownDim());
      } else sizes.set(unknown[0] as string, q);
    } else if (dimEquals(known, dim) === false) {
      return einopsFail(who, `dim ${d - 1} of ${shapeText(x)} is ${dimToString(dim)} but '${g.join(' ')}' makes ${dimToString(known)}`);
    }
    order.push(...names.filter((a) => !a.startsWith('_') || sizes.get(a) !== 1));
  }
  const ellNames = order.filter((a) => a.startsWith('...'));
  const rightAxes: string[] = [];
  const groups: string[][] = [];
  for (const g of R) {
    if (!g.grouped && g[0] === '...') {
      // A bare '...' puts the dims it stands for back one by one; '(...)' merges them.
      for (const a of ellNames) {
        rightAxes.push(a);
        groups.push([a]);
      }
      continue;
    }
    const grp: string[] = [];
    for (const a of g) {
      if (a === '...') grp.push(...ellNames);
      else if (/^\d+$/.test(a)) {
        if (a === '1') continue;
        if (kind !== 'repeat') return einopsFail(who, `a number other than 1 on the right ('${a}') only works in repeat`);
        const n = `_${++anon}`;
        sizes.set(n, Number(a));
        grp.push(n);
      } else grp.push(a);
    }
    rightAxes.push(...grp);
    groups.push(grp);
  }
  const leftNamed = order.filter((a) => !a.startsWith('_'));
  const rightSet = new Set(rightAxes);
  if (kind === 'rearrange') {
    const oneSided = [...new Set([...leftNamed.filter((a) => !rightSet.has(a)), ...rightAxes.filter((a) => !leftNamed.includes(a))])].filter((a) => !a.startsWith('...'));
    if (oneSided.length > 0) return einopsFail(who, `rearrange keeps every axis: ${oneSided.join(', ')} appear${oneSided.length === 1 ? 's' : ''} on one side only (use reduce to drop axes, repeat to add them)`);
  }
  if (kind === 'reduce') {
    const extra = rightAxes.filter((a) => !leftNamed.includes(a));
    if (extra.length > 0) return einopsFail(who, `reduce cannot create axes: ${extra.join(', ')} only on the right`);
  }
  if (kind === 'repeat') {
    const missing = leftNamed.filter((a) => !rightSet.has(a));
    if (missing.length > 0) return einopsFail(who, `repeat keeps every input axis: ${missing.join(', ')} missing on the right`);
    for (const a of rightAxes) {
      if (sizes.has(a)) continue;
      const given = length(a);
      if (given === undefined) return einopsFail(who, `the new axis ${a} needs its size: pass ${a}=... to repeat`);
      sizes.set(a, given);
    }
  }
  return { output: groups.map((g) => g.reduce<Dim>((acc, a) => mul(acc, sizes.get(a) ?? unknownDim()), 1)) };
}

/** An axis length given as a keyword; unknown (not missing) when written but not evaluable, or maybe in a **splat. */
function lengthOf(a: LayerArgs): (axis: string) => Dim | undefined {
  return (axis) => {
    if (!a.given(axis)) return a.open ? unknownDim() : undefined;
    return asDim(a.get(axis)) ?? unknownDim();
  };
}

function spec(type: string, kind: Kind): LayerSpec {
  const layer = !type.startsWith('einops.');
  return {
    type,
    signature: kind === 'reduce' ? ['pattern', 'reduction'] : ['pattern'],
    defaults: {},
    // The axis lengths come as keywords named after the axes.
    acceptsAnyArgs: true,
    apply(a, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const pattern = a.get('pattern');
      if (typeof pattern !== 'string') return { output: [unknownDim()] };
      return einopsShape(kind, layer ? type : kind, x, pattern, lengthOf(a));
    },
    ...(layer ? { paramCount: () => 0 } : {}),
  };
}

export const einopsLayerSpecs: LayerSpec[] = [spec('Rearrange', 'rearrange'), spec('Reduce', 'reduce')];
export const einopsFunctionals: LayerSpec[] = [spec('einops.rearrange', 'rearrange'), spec('einops.reduce', 'reduce'), spec('einops.repeat', 'repeat')];
