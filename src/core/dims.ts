// Symbolic tensor dimensions: integers, or polynomials with integer coefficients over atoms.
// An atom is a named symbol (N, C, H, W, L, ...), a fresh unknown `?` (equal only to itself), or
// floordiv(expr, k) for a positive integer k. Expressions are kept in a canonical form so that
// structural equality is a sound (not complete) test of equality for every integer assignment.

export type Dim = number | Sym;
export type Shape = Dim[];

type Atom =
  | { readonly kind: 'sym'; readonly name: string; readonly key: string }
  | { readonly kind: 'unknown'; readonly id: number; readonly key: string }
  | { readonly kind: 'floordiv'; readonly num: Sym; readonly k: number; readonly key: string };

interface Term {
  readonly coef: number;
  /** Sorted by key, with repetition for powers. Empty for the constant term. */
  readonly atoms: readonly Atom[];
  readonly key: string;
}

/** An immutable non-constant symbolic integer. Constants are always plain numbers. */
export class Sym {
  /** Canonical: sorted by monomial key, no zero coefficients, constant term (if any) last. */
  readonly terms: readonly Term[];
  readonly key: string;
  /** @internal build through the exported functions. */
  constructor(terms: readonly Term[]) {
    this.terms = terms;
    this.key = terms.map((t) => `${t.coef}*${t.key}`).join('+');
  }
  toString(): string {
    return dimToString(this);
  }
}

// ---------------------------------------------------------------- construction

const PREFERRED_ORDER = ['N', 'B', 'C', 'D', 'T', 'L', 'H', 'W'];

function atomSortKey(a: Atom): string {
  if (a.kind === 'sym') {
    const i = PREFERRED_ORDER.indexOf(a.name);
    return i >= 0 ? `0${String.fromCharCode(65 + i)}` : `1${a.name}`;
  }
  if (a.kind === 'unknown') return `2${String(a.id).padStart(8, '0')}`;
  return `3${a.key}`;
}

function monomialKey(atoms: readonly Atom[]): string {
  return atoms.map(atomSortKey).join('*');
}

function makeTerm(coef: number, atoms: Atom[]): Term {
  atoms.sort((x, y) => (atomSortKey(x) < atomSortKey(y) ? -1 : atomSortKey(x) > atomSortKey(y) ? 1 : 0));
  return { coef, atoms, key: monomialKey(atoms) };
}

/** Sums like terms and returns a number when nothing symbolic is left. */
function fromTerms(terms: Term[]): Dim {
  const byKey = new Map<string, Term>();
  for (const t of terms) {
    const prev = byKey.get(t.key);
    byKey.set(t.key, prev ? { coef: prev.coef + t.coef, atoms: t.atoms, key: t.key } : t);
  }
  const kept = [...byKey.values()].filter((t) => t.coef !== 0);
  // Higher degree first, then the preferred symbol order; the constant (key '') last.
  kept.sort((a, b) => {
    if (a.atoms.length !== b.atoms.length) return b.atoms.length - a.atoms.length;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  if (kept.length === 0) return 0;
  if (kept.length === 1 && kept[0]!.atoms.length === 0) return kept[0]!.coef;
  return new Sym(kept);
}

function termsOf(d: Dim): readonly Term[] {
  if (typeof d === 'number') return d === 0 ? [] : [{ coef: d, atoms: [], key: '' }];
  return d.terms;
}

function assertInteger(n: number, what: string): void {
  if (!Number.isInteger(n)) throw new RangeError(`${what} must be an integer, got ${n}`);
}

/** A named symbolic dimension such as N, C, H, W or L. */
export function sym(name: string): Sym {
  const atom: Atom = { kind: 'sym', name, key: `s:${name}` };
  return new Sym([makeTerm(1, [atom])]);
}

let nextUnknown = 1;
/** A dimension nothing is known about; each call gives a distinct unknown. Prints as `?`. */
export function unknownDim(): Sym {
  const id = nextUnknown++;
  return new Sym([makeTerm(1, [{ kind: 'unknown', id, key: `u:${id}` }])]);
}

export function isKnown(d: Dim): d is number {
  return typeof d === 'number';
}

export function isSym(d: unknown): d is Sym {
  return d instanceof Sym;
}

function atomsDeep(d: Dim, visit: (a: Atom) => void): void {
  for (const t of termsOf(d)) {
    for (const a of t.atoms) {
      visit(a);
      if (a.kind === 'floordiv') atomsDeep(a.num, visit);
    }
  }
}

/** True when the expression involves an unknown (`?`) anywhere. */
export function isUnknown(d: Dim): boolean {
  let found = false;
  atomsDeep(d, (a) => {
    if (a.kind === 'unknown') found = true;
  });
  return found;
}

/** Named symbols in the expression, sorted. */
export function symbolsOf(d: Dim): string[] {
  const names = new Set<string>();
  atomsDeep(d, (a) => {
    if (a.kind === 'sym') names.add(a.name);
  });
  return [...names].sort();
}

// ---------------------------------------------------------------- arithmetic

export function add(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return fromTerms([...termsOf(a), ...termsOf(b)]);
}

export function neg(a: Dim): Dim {
  if (typeof a === 'number') return -a;
  return fromTerms(a.terms.map((t) => ({ coef: -t.coef, atoms: t.atoms, key: t.key })));
}

export function sub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return add(a, neg(b));
}

export function mul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const out: Term[] = [];
  for (const x of termsOf(a)) for (const y of termsOf(b)) out.push(makeTerm(x.coef * y.coef, [...x.atoms, ...y.atoms]));
  return fromTerms(out);
}

export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => mul(acc, d), 1);
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * floor(a / k) for a positive integer k. Canonical form of the result:
 *   floor((k*A + B)/k) = A + floor(B/k)            (terms whose coefficient k divides leave the floor)
 *   floor((g*Y + c)/(g*m)) = floor((Y + floor(c/g))/m)   (g = gcd of k and the symbolic coefficients)
 *   floor((Y + c)/k) with c = q*k + r = q + floor((Y + r)/k), 0 <= r < k
 *   floor(floor(x/a)/b) = floor(x/(a*b))
 * A symbolic k: exact division when provable, otherwise an unknown.
 */
export function floorDiv(a: Dim, k: Dim): Dim {
  if (typeof k !== 'number') {
    const exact = divExact(a, k);
    return exact !== undefined ? exact : unknownDim();
  }
  assertInteger(k, 'divisor');
  if (k <= 0) throw new RangeError(`floorDiv needs a positive divisor, got ${k}`);
  if (typeof a === 'number') return Math.floor(a / k);
  if (k === 1) return a;
  const whole: Term[] = [];
  let rest: Term[] = [];
  let constant = 0;
  for (const t of a.terms) {
    if (t.atoms.length === 0) constant += t.coef;
    else if (t.coef % k === 0) whole.push({ coef: t.coef / k, atoms: t.atoms, key: t.key });
    else rest.push(t);
  }
  if (rest.length === 0) return add(fromTerms(whole), Math.floor(constant / k));
  let g = k;
  for (const t of rest) g = gcd(g, t.coef);
  let m = k;
  if (g > 1) {
    rest = rest.map((t) => ({ coef: t.coef / g, atoms: t.atoms, key: t.key }));
    constant = Math.floor(constant / g);
    m = k / g;
  }
  const q = Math.floor(constant / m);
  const r = constant - q * m;
  const base = add(fromTerms(whole), q);
  // floor((floor(x/a) + r)/m) = floor((x + r*a)/(a*m)): collapse a lone inner floordiv.
  const lone = rest.length === 1 ? rest[0] : undefined;
  const loneAtom = lone?.atoms[0];
  if (lone && lone.coef === 1 && lone.atoms.length === 1 && loneAtom?.kind === 'floordiv') {
    return add(base, floorDiv(add(loneAtom.num, r * loneAtom.k), loneAtom.k * m));
  }
  const inner = fromTerms(r === 0 ? rest : [...rest, { coef: r, atoms: [], key: '' }]);
  if (typeof inner === 'number') return add(base, Math.floor(inner / m));
  if (m === 1) return add(base, inner);
  const atom: Atom = { kind: 'floordiv', num: inner, k: m, key: `f(${inner.key})/${m}` };
  return add(base, new Sym([makeTerm(1, [atom])]));
}

/** ceil(a / k) for a positive integer k, as floor((a + k - 1) / k). */
export function ceilDiv(a: Dim, k: Dim): Dim {
  if (typeof k !== 'number') {
    const exact = divExact(a, k);
    return exact !== undefined ? exact : unknownDim();
  }
  return floorDiv(add(a, k - 1), k);
}

/** a / b when b provably divides a (e.g. N*C*H*W / N, 6*H / 3), else undefined. */
export function divExact(a: Dim, b: Dim): Dim | undefined {
  if (typeof b === 'number') {
    if (b === 0) return undefined;
    if (typeof a === 'number') return a % b === 0 ? a / b : undefined;
    if (a.terms.every((t) => t.coef % b === 0)) return fromTerms(a.terms.map((t) => ({ coef: t.coef / b, atoms: t.atoms, key: t.key })));
    return undefined;
  }
  if (dimEquals(a, b) === true) return 1;
  // Division by a monomial c*M: every term of a must be a multiple of it.
  if (b.terms.length === 1) {
    const div = b.terms[0]!;
    const out: Term[] = [];
    for (const t of termsOf(a)) {
      if (t.coef % div.coef !== 0) return undefined;
      const remaining = [...t.atoms];
      for (const atom of div.atoms) {
        const i = remaining.findIndex((x) => x.key === atom.key);
        if (i < 0) return undefined;
        remaining.splice(i, 1);
      }
      out.push(makeTerm(t.coef / div.coef, remaining));
    }
    return fromTerms(out);
  }
  // a = q*b for a constant q: compare term by term.
  const first = b.terms[0]!;
  const aTerms = termsOf(a);
  const match = aTerms.find((t) => t.key === first.key);
  if (!match || match.coef % first.coef !== 0) return undefined;
  const q = match.coef / first.coef;
  return dimEquals(a, mul(b, q)) === true ? q : undefined;
}

/** true: equal for every assignment; false: never equal; undefined: cannot tell. */
export function dimEquals(a: Dim, b: Dim): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  const diff = sub(a, b);
  if (typeof diff === 'number') return diff === 0;
  return undefined;
}

/** Value under an assignment of the named symbols; undefined with unknowns or missing names. */
export function evalDim(d: Dim, env: Readonly<Record<string, number>>): number | undefined {
  if (typeof d === 'number') return d;
  let total = 0;
  for (const t of d.terms) {
    let v = t.coef;
    for (const a of t.atoms) {
      let x: number | undefined;
      if (a.kind === 'sym') x = env[a.name];
      else if (a.kind === 'floordiv') {
        const n = evalDim(a.num, env);
        x = n === undefined ? undefined : Math.floor(n / a.k);
      }
      if (x === undefined) return undefined;
      v *= x;
    }
    total += v;
  }
  return total;
}

/** Substitutes dims for named symbols (e.g. H -> 32) and re-simplifies. */
export function substitute(d: Dim, env: Readonly<Record<string, Dim>>): Dim {
  if (typeof d === 'number') return d;
  let total: Dim = 0;
  for (const t of d.terms) {
    let v: Dim = t.coef;
    for (const a of t.atoms) {
      let x: Dim;
      if (a.kind === 'sym') x = env[a.name] ?? new Sym([makeTerm(1, [a])]);
      else if (a.kind === 'unknown') x = new Sym([makeTerm(1, [a])]);
      else x = floorDiv(substitute(a.num, env), a.k);
      v = mul(v, x);
    }
    total = add(total, v);
  }
  return total;
}

// ---------------------------------------------------------------- printing

function atomToString(a: Atom, inProduct: boolean): string {
  if (a.kind === 'sym') return a.name;
  if (a.kind === 'unknown') return '?';
  return floorDivToString(a.num, a.k, inProduct);
}

function floorDivToString(num: Dim, k: number, parenthesize: boolean): string {
  const n = dimToString(num);
  const simple = typeof num === 'number' || (num.terms.length === 1 && num.terms[0]!.atoms.length === 1 && num.terms[0]!.coef === 1);
  const s = `${simple ? n : `(${n})`} // ${k}`;
  return parenthesize ? `(${s})` : s;
}

function monomialToString(t: Term, absCoef: number): string {
  const inProduct = absCoef !== 1 || t.atoms.length > 1;
  const parts = t.atoms.map((a) => atomToString(a, inProduct));
  if (absCoef !== 1) parts.unshift(String(absCoef));
  return parts.join('*');
}

/**
 * Python-like text: `H - 2`, `(H - 2) // 2`, `32*(H // 4)*(W // 4)`. Anything involving an unknown prints `?`.
 * A lone floordiv plus a constant prints with the constant folded in: `H // 2 - 1` prints `(H - 2) // 2`.
 */
export function dimToString(d: Dim): string {
  if (typeof d === 'number') return String(d);
  if (isUnknown(d)) return '?';
  const constTerm = d.terms.find((t) => t.atoms.length === 0);
  const nonConst = d.terms.filter((t) => t.atoms.length > 0);
  const lone = nonConst.length === 1 ? nonConst[0] : undefined;
  const loneAtom = lone?.atoms[0];
  if (constTerm && lone && lone.coef === 1 && lone.atoms.length === 1 && loneAtom?.kind === 'floordiv') {
    return floorDivToString(add(loneAtom.num, constTerm.coef * loneAtom.k), loneAtom.k, false);
  }
  let out = '';
  d.terms.forEach((t, i) => {
    const abs = Math.abs(t.coef);
    const body = t.atoms.length === 0 ? String(abs) : monomialToString(t, abs);
    if (i === 0) out = t.coef < 0 ? `-${body}` : body;
    else out += t.coef < 0 ? ` - ${body}` : ` + ${body}`;
  });
  return out;
}

/** A dimension as the reports show it: the number, or the expression text. */
export function dimToJSON(d: Dim): number | string {
  return typeof d === 'number' ? d : dimToString(d);
}

export function shapeToString(s: readonly Dim[]): string {
  return `[${s.map(dimToString).join(', ')}]`;
}
