// Symbolic dimension algebra: simplification, equality, printing, and soundness against integer arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add, ceilDiv, dimEquals, dimToJSON, dimToString, divExact, evalDim, floorDiv, isKnown, isUnknown, mul, product, sub, substitute, sym, symbolsOf, unknownDim, type Dim,
} from '../src/core/dims';

const N = sym('N');
const C = sym('C');
const H = sym('H');
const W = sym('W');

/** Conv output size: floor((in + 2p - d(k-1) - 1)/s) + 1. */
function conv(x: Dim, k: number, s = 1, p = 0, d = 1): Dim {
  return add(floorDiv(sub(add(x, 2 * p), d * (k - 1) + 1), s), 1);
}

test('numbers stay plain numbers through every operation', () => {
  assert.equal(add(2, 3), 5);
  assert.equal(mul(4, 5), 20);
  assert.equal(floorDiv(7, 2), 3);
  assert.equal(floorDiv(-7, 2), -4);
  assert.equal(ceilDiv(7, 2), 4);
  assert.equal(product([2, 3, 4]), 24);
  assert.equal(sub(H, H), 0);
  assert.ok(isKnown(sub(add(H, 3), H)));
});

test('a size-preserving conv on a symbolic size prints the bare symbol', () => {
  assert.equal(dimToString(conv(H, 3, 1, 1)), 'H');
  assert.equal(dimToString(conv(H, 5, 1, 2)), 'H');
  assert.equal(dimToString(conv(H, 3, 1, 2, 2)), 'H');
  assert.equal(dimEquals(conv(H, 7, 1, 3), H), true);
});

test('an unpadded 3x3 conv prints H - 2 and a 2x2 pool after it prints (H - 2) // 2', () => {
  const c = conv(H, 3);
  assert.equal(dimToString(c), 'H - 2');
  assert.equal(dimToString(conv(c, 2, 2)), '(H - 2) // 2');
});

test('a stride-2 conv with padding 1 prints (H + 1) // 2', () => {
  assert.equal(dimToString(conv(H, 3, 2, 1)), '(H + 1) // 2');
  assert.equal(dimToString(conv(H, 1, 2)), '(H + 1) // 2');
});

test('floor((k*A + B)/k) pulls A out of the floor', () => {
  assert.equal(dimToString(floorDiv(add(mul(4, H), 1), 4)), 'H');
  assert.equal(dimToString(floorDiv(add(mul(4, H), W), 4)), 'H + W // 4');
  assert.equal(dimToString(floorDiv(add(mul(2, H), 6), 2)), 'H + 3');
});

test('nested floor divisions by constants collapse: floor(floor(x/a)/b) = floor(x/(a*b))', () => {
  assert.equal(dimToString(floorDiv(floorDiv(H, 2), 2)), 'H // 4');
  assert.equal(dimEquals(floorDiv(floorDiv(floorDiv(H, 2), 2), 2), floorDiv(H, 8)), true);
  // Two 2x2 pools then a 3x3 unpadded conv.
  assert.equal(dimToString(conv(floorDiv(floorDiv(H, 2), 2), 3)), '(H - 8) // 4');
});

test('a common factor of the numerator and divisor is cancelled', () => {
  assert.equal(dimEquals(floorDiv(add(mul(2, H), 1), 4), floorDiv(H, 2)), true);
  assert.equal(dimToString(floorDiv(mul(6, H), 4)), '(3*H) // 2');
});

test('products print with parenthesized floor divisions, as in a flatten after two pools', () => {
  const flat = product([32, floorDiv(H, 4), floorDiv(W, 4)]);
  assert.equal(dimToString(flat), '32*(H // 4)*(W // 4)');
  assert.equal(dimToString(mul(N, C)), 'N*C');
  assert.equal(dimToString(product([N, C, H, W])), 'N*C*H*W');
  assert.equal(dimToString(sub(mul(2, H), W)), '2*H - W');
  assert.equal(dimToString(sub(1, H)), '-H + 1');
});

test('unknown dims print ? and never equal another unknown', () => {
  const a = unknownDim();
  const b = unknownDim();
  assert.equal(dimToString(a), '?');
  assert.equal(dimToString(add(a, 1)), '?');
  assert.equal(dimEquals(a, b), undefined);
  assert.equal(dimEquals(a, 3), undefined);
  assert.equal(dimEquals(a, a), true);
  assert.ok(isUnknown(mul(a, H)));
  assert.ok(!isUnknown(H));
  assert.equal(evalDim(a, { H: 1 }), undefined);
  assert.equal(dimToJSON(a), '?');
});

test('equality is true, false, or undefined when it depends on the symbols', () => {
  assert.equal(dimEquals(conv(H, 3, 1, 1), H), true);
  assert.equal(dimEquals(add(H, 1), H), false);
  assert.equal(dimEquals(H, W), undefined);
  assert.equal(dimEquals(mul(32, mul(floorDiv(H, 4), floorDiv(W, 4))), 512), undefined);
  assert.equal(dimEquals(4, 4), true);
  assert.equal(dimEquals(4, 5), false);
});

test('exact division succeeds only when provable', () => {
  assert.equal(dimToString(divExact(product([N, C, H, W]), N) ?? -1), 'C*H*W');
  assert.equal(dimToString(divExact(mul(6, H), 3) ?? -1), '2*H');
  assert.equal(divExact(H, 2), undefined);
  assert.equal(divExact(12, 5), undefined);
  assert.equal(divExact(12, 4), 3);
  assert.equal(divExact(add(mul(2, H), 2), add(H, 1)), 2);
  assert.equal(divExact(H, H), 1);
});

test('evaluation and substitution follow Python floor division', () => {
  const e = conv(conv(H, 3), 2, 2);
  assert.equal(evalDim(e, { H: 32 }), 15);
  assert.equal(evalDim(floorDiv(sub(H, 9), 2), { H: 4 }), -3);
  assert.equal(evalDim(H, {}), undefined);
  assert.equal(substitute(e, { H: 32 }), 15);
  assert.equal(dimToString(substitute(e, { H: mul(2, W) })), 'W - 1');
  assert.deepEqual(symbolsOf(product([32, floorDiv(H, 4), W])), ['H', 'W']);
  assert.deepEqual(symbolsOf(7), []);
});

test('ceil division is floor((a + k - 1)/k)', () => {
  assert.equal(dimToString(ceilDiv(H, 2)), '(H + 1) // 2');
  assert.equal(evalDim(ceilDiv(H, 3), { H: 7 }), 3);
});

// Soundness: random expressions built with the algebra evaluate exactly like plain integer arithmetic.
test('random expressions with floor divisions evaluate exactly like integer arithmetic', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  type Expr = { dim: Dim; value: (env: Record<string, number>) => number };
  const leaf = (): Expr => {
    const r = rand(4);
    if (r === 0) return { dim: H, value: (e) => e['H'] as number };
    if (r === 1) return { dim: W, value: (e) => e['W'] as number };
    const c = rand(13) - 6;
    return { dim: c, value: () => c };
  };
  const build = (depth: number): Expr => {
    if (depth === 0) return leaf();
    const a = build(depth - 1);
    const op = rand(5);
    if (op === 3 || op === 4) {
      const k = 1 + rand(6);
      return op === 3
        ? { dim: floorDiv(a.dim, k), value: (e) => Math.floor(a.value(e) / k) }
        : { dim: ceilDiv(a.dim, k), value: (e) => Math.ceil(a.value(e) / k) };
    }
    const b = build(depth - 1);
    if (op === 0) return { dim: add(a.dim, b.dim), value: (e) => a.value(e) + b.value(e) };
    if (op === 1) return { dim: sub(a.dim, b.dim), value: (e) => a.value(e) - b.value(e) };
    return { dim: mul(a.dim, b.dim), value: (e) => a.value(e) * b.value(e) };
  };
  let checked = 0;
  for (let i = 0; i < 400; i++) {
    const ex = build(1 + rand(4));
    for (let j = 0; j < 12; j++) {
      const env = { H: rand(41) - 10, W: rand(41) - 10 };
      assert.equal(evalDim(ex.dim, env), ex.value(env) + 0, `${dimToString(ex.dim)} at H=${env.H}, W=${env.W}`);
      checked++;
    }
  }
  assert.equal(checked, 4800);
});

test('structurally equal results compare equal however they were built', () => {
  const a = conv(conv(H, 3, 1, 1), 2, 2);
  const b = floorDiv(H, 2);
  assert.equal(dimEquals(a, b), true);
  assert.equal(dimEquals(add(H, W), add(W, H)), true);
  assert.equal(dimEquals(mul(add(H, 1), add(H, -1)), sub(mul(H, H), 1)), true);
});
