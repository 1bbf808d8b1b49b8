// torch.matmul (and @), torch.mm, torch.bmm and torch.einsum: output shapes and PyTorch 1.13's errors.
import { dimEquals, dimToString, isKnown, product, type Dim, type Shape } from '../dims';
import { type ApplyResult, type LayerSpec } from './layer-spec';
import { fail, shapeText } from './common';

function mismatch(message: string, pytorch: string | undefined): ApplyResult {
  return fail('matmul-mismatch', message, { blamesInput: true, ...(pytorch === undefined ? {} : { pytorch }) });
}

function innerText(a: Shape, b: Shape, k1: Dim, k2: Dim): string {
  return `matrix product of ${shapeText(a)} and ${shapeText(b)}: inner sizes ${dimToString(k1)} and ${dimToString(k2)} differ`;
}

/** Broadcast of batch dims, or the index and sizes where they clash. */
function broadcastBatch(x: Shape, y: Shape): Shape | { at: number; a: Dim; b: Dim } {
  const n = Math.max(x.length, y.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const a = x[x.length - n + i] ?? 1;
    const b = y[y.length - n + i] ?? 1;
    if (a === 1) out.push(b);
    else if (b === 1) out.push(a);
    else if (dimEquals(a, b) === false) return { at: i, a, b };
    else out.push(isKnown(a) ? a : b);
  }
  return out;
}

/** torch.matmul's rules: 1-D operands gain and lose a dim, batch dims broadcast. */
export function matmulShape(a: Shape, b: Shape): ApplyResult {
  if (a.length === 0 || b.length === 0) {
    return fail('rank-mismatch', `matmul needs tensors with at least one dim, but gets ${shapeText(a)} and ${shapeText(b)}`, { blamesInput: true, pytorch: `both arguments to matmul need to be at least 1D, but they are ${a.length}D and ${b.length}D` });
  }
  const k1 = a[a.length - 1] as Dim;
  const k2 = (b.length === 1 ? b[0] : b[b.length - 2]) as Dim;
  const inner = dimEquals(k1, k2) === false;
  if (a.length === 1 && b.length === 1) {
    if (inner) return mismatch(`dot product of ${shapeText(a)} and ${shapeText(b)}: sizes ${dimToString(k1)} and ${dimToString(k2)} differ`, `inconsistent tensor size, expected tensor [${dimToString(k1)}] and src [${dimToString(k2)}] to have the same number of elements, but got ${dimToString(k1)} and ${dimToString(k2)} elements respectively`);
    return { output: [] };
  }
  if (b.length === 1) {
    const rows = product(a.slice(0, -1));
    if (inner) return mismatch(innerText(a, b, k1, k2), `size mismatch, got ${dimToString(rows)}, ${dimToString(rows)}x${dimToString(k1)},${dimToString(k2)}`);
    return { output: a.slice(0, -1) };
  }
  const m = b[b.length - 1] as Dim;
  if (b.length === 2 && a.length >= 3) {
    if (inner) return mismatch(innerText(a, b, k1, k2), `mat1 and mat2 shapes cannot be multiplied (${dimToString(product(a.slice(0, -1)))}x${dimToString(k1)} and ${dimToString(k2)}x${dimToString(m)})`);
    return { output: [...a.slice(0, -1), m] };
  }
  if (b.length === 2) {
    const rows = a.length === 1 ? 1 : (a[0] as Dim);
    if (inner) return mismatch(innerText(a, b, k1, k2), `mat1 and mat2 shapes cannot be multiplied (${dimToString(rows)}x${dimToString(k1)} and ${dimToString(k2)}x${dimToString(m)})`);
    return { output: a.length === 1 ? [m] : [rows, m] };
  }
  // b has 3+ dims: batched product.
  const batchA = a.length >= 3 ? a.slice(0, -2) : [];
  const batch = broadcastBatch(batchA, b.slice(0, -2));
  if (!Array.isArray(batch)) {
    return mismatch(`matmul of ${shapeText(a)} and ${shapeText(b)}: batch dims ${dimToString(batch.a)} and ${dimToString(batch.b)} do not broadcast`, `The size of tensor a (${dimToString(batch.a)}) must match the size of tensor b (${dimToString(batch.b)}) at non-singleton dimension ${batch.at}`);
  }
  if (inner) return mismatch(innerText(a, b, k1, k2), a.length >= 3 ? `Expected size for first two dimensions of batch2 tensor to be: [${dimToString(product(batch))}, ${dimToString(k1)}] but got: [${dimToString(product(batch))}, ${dimToString(k2)}].` : undefined);
  const rows = a.length === 1 ? [] : [a[a.length - 2] as Dim];
  return { output: [...batch, ...rows, m] };
}

const twoInputs = { signature: [], defaults: {}, inputNames: ['input', 'other'], minInputs: 2 };

export const torchMatmul: LayerSpec = {
  type: 'torch.matmul',
  ...twoInputs,
  apply(_a, inputs) {
    const [x, y] = inputs;
    return x && y ? matmulShape(x, y) : fail('invalid-argument', 'matmul needs two tensors');
  },
};

export const torchMm: LayerSpec = {
  type: 'torch.mm',
  ...twoInputs,
  inputNames: ['input', 'mat2'],
  apply(_a, inputs) {
    const [x, y] = inputs;
    if (!x || !y) return fail('invalid-argument', 'mm needs two matrices');
    if (x.length !== 2) return fail('rank-mismatch', `torch.mm needs 2-D matrices, but the first is ${shapeText(x)}; use torch.matmul for batches`, { blamesInput: true, pytorch: 'self must be a matrix' });
    if (y.length !== 2) return fail('rank-mismatch', `torch.mm needs 2-D matrices, but the second is ${shapeText(y)}; use torch.matmul for batches`, { blamesInput: true, pytorch: 'mat2 must be a matrix' });
    return matmulShape(x, y);
  },
};

export const torchBmm: LayerSpec = {
  type: 'torch.bmm',
  ...twoInputs,
  inputNames: ['input', 'mat2'],
  apply(_a, inputs) {
    const [x, y] = inputs;
    if (!x || !y) return fail('invalid-argument', 'bmm needs two batches of matrices');
    if (x.length !== 3) return fail('rank-mismatch', `torch.bmm needs 3-D batches of matrices, but the first is ${shapeText(x)}`, { blamesInput: true, pytorch: 'batch1 must be a 3D tensor' });
    if (y.length !== 3) return fail('rank-mismatch', `torch.bmm needs 3-D batches of matrices, but the second is ${shapeText(y)}`, { blamesInput: true, pytorch: 'batch2 must be a 3D tensor' });
    const [b, , k] = x as [Dim, Dim, Dim];
    if (dimEquals(y[0] as Dim, b) === false || dimEquals(y[1] as Dim, k) === false) {
      return mismatch(`torch.bmm of ${shapeText(x)} and ${shapeText(y)}: the second must be [${dimToString(b)}, ${dimToString(k)}, *]`, `Expected size for first two dimensions of batch2 tensor to be: [${dimToString(b)}, ${dimToString(k)}] but got: [${dimToString(y[0] as Dim)}, ${dimToString(y[1] as Dim)}].`);
    }
    return { output: [b, x[1] as Dim, y[2] as Dim] };
  },
};

// ---------------------------------------------------------------- einsum

interface Term {
  labels: string[];
  ellipsis: number;
}

function parseTerm(t: string): Term | undefined {
  const e = t.indexOf('...');
  const body = e >= 0 ? t.slice(0, e) + t.slice(e + 3) : t;
  if (!/^[a-zA-Z]*$/.test(body) || t.indexOf('...', e + 3) >= 0 && e >= 0) return undefined;
  return { labels: t.split('...').join('.').split(''), ellipsis: e };
}

/** torch.einsum(equation, *operands). */
export function einsumShape(equation: string, shapes: Shape[]): ApplyResult {
  const eq = equation.replace(/\s+/g, '');
  const [lhs = '', rhs] = eq.split('->');
  const terms = lhs.split(',').map(parseTerm);
  if (terms.some((t) => t === undefined)) return { output: [] };
  const ops = terms as Term[];
  if (ops.length > shapes.length) return fail('invalid-argument', `einsum: the equation '${equation}' names ${ops.length} operands but ${shapes.length} are given`, { pytorch: 'einsum(): fewer operands were provided than specified in the equation' });
  if (ops.length < shapes.length) return fail('invalid-argument', `einsum: the equation '${equation}' names ${ops.length} operands but ${shapes.length} are given`, { pytorch: 'einsum(): more operands were provided than specified in the equation' });
  const sizes = new Map<string, Dim>();
  let ell: Shape = [];
  for (let i = 0; i < ops.length; i++) {
    const t = ops[i] as Term;
    const s = shapes[i] as Shape;
    const letters = t.labels.filter((l) => l !== '.');
    if (t.ellipsis < 0 && letters.length !== s.length) {
      return fail('rank-mismatch', `einsum: operand ${i} has ${s.length} dims but '${lhs.split(',')[i]}' names ${letters.length}`, { blamesInput: true, pytorch: `einsum(): the number of subscripts in the equation (${letters.length}) does not match the number of dimensions (${s.length}) for operand ${i} and no ellipsis was given` });
    }
    if (t.ellipsis >= 0 && letters.length > s.length) {
      return fail('rank-mismatch', `einsum: operand ${i} has ${s.length} dims but '${lhs.split(',')[i]}' names ${letters.length}`, { blamesInput: true, pytorch: `einsum(): the number of subscripts in the equation (${letters.length}) is more than the number of dimensions (${s.length}) for operand ${i}` });
    }
    const nEll = s.length - letters.length;
    let d = 0;
    const local = new Map<string, Dim>();
    for (const l of t.labels) {
      if (l === '.') {
        const part = s.slice(d, d + nEll);
        const b = broadcastBatch(ell, part);
        if (!Array.isArray(b)) return mismatch(`einsum: the '...' dims of operand ${i} do not broadcast with the others`, undefined);
        ell = b;
        d += nEll;
        continue;
      }
      const size = s[d++] as Dim;
      const seen = local.get(l);
      if (seen !== undefined && dimEquals(seen, size) === false) {
        return mismatch(`einsum: subscript ${l} is repeated in operand ${i} with sizes ${dimToString(seen)} and ${dimToString(size)}`, `einsum(): subscript ${l} is repeated for operand ${i} but the sizes don't match, ${dimToString(seen)} != ${dimToString(size)}`);
      }
      local.set(l, size);
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, size);
      else if (size !== 1 && dimEquals(prev, size) === false) {
        return mismatch(`einsum: subscript ${l} is ${dimToString(size)} in operand ${i} but ${dimToString(prev)} before`, `einsum(): subscript ${l} has size ${dimToString(size)} for operand ${i} which does not broadcast with previously seen size ${dimToString(prev)}`);
      }
    }
  }
  if (rhs === undefined) {
    // Implicit output: the broadcast '...' dims, then every label used once, in sorted order.
    const counts = new Map<string, number>();
    for (const t of ops) for (const l of t.labels) if (l !== '.') counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([l]) => l).sort();
    return { output: [...ell, ...once.map((l) => sizes.get(l) as Dim)] };
  }
  const out = parseTerm(rhs);
  if (!out) return { output: [] };
  const shape: Dim[] = [];
  for (const l of out.labels) {
    if (l === '.') {
      shape.push(...ell);
      continue;
    }
    const s = sizes.get(l);
    if (s === undefined) return fail('invalid-argument', `einsum: output subscript ${l} appears in no input of '${equation}'`, { pytorch: `einsum(): output subscript ${l} does not appear in the equation for any input operand` });
    shape.push(s);
  }
  return { output: shape };
}

/** The equation is the first argument and every tensor after it an operand (the interpreter passes them so). */
export const torchEinsum: LayerSpec = {
  type: 'torch.einsum',
  signature: ['equation'],
  defaults: {},
  apply(a, inputs) {
    const eq = a.get('equation');
    return typeof eq === 'string' ? einsumShape(eq, inputs) : { output: [] };
  },
};

export const matmulFunctionals: LayerSpec[] = [torchMatmul, torchMm, torchBmm, torchEinsum];
