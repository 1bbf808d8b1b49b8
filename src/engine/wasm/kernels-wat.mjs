// Build-time generator of the engine's WebAssembly text (assembled by wabt in esbuild.config.mjs).
// The micro-kernels are register-blocked and repetitive, so they are written once here as templates;
// `relaxed` swaps the multiply-add for relaxed-SIMD FMA, everything else is identical.
// Pointers are byte offsets into the module's own memory; the TypeScript drivers own the layout.

/** @param {{ relaxed: boolean }} opts */
export function kernelsWat({ relaxed }) {
  const madd = (acc, a, b) =>
    relaxed
      ? `(local.set ${acc} (f32x4.relaxed_madd ${a} ${b} (local.get ${acc})))`
      : `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.mul ${a} ${b})))`;
  const clamp = (v) => `(f32x4.pmin (f32x4.pmax ${v} (local.get $vlo)) (local.get $vhi))`;
  // $t = the mulberry32 draws of the four counters in $a, each as (u - 2^31) >> 9 (its top 23 bits, signed), in
  // float32 (exact). u ^ 2^31 read as signed is u - 2^31.
  const uniformInts = `(local.set $t (local.get $a))
        (local.set $t (i32x4.mul (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 15)))
          (v128.or (local.get $t) (i32x4.splat (i32.const 1)))))
        (local.set $t (v128.xor (local.get $t) (i32x4.add (local.get $t)
          (i32x4.mul (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 7)))
            (v128.or (local.get $t) (i32x4.splat (i32.const 61)))))))
        (local.set $t (f32x4.convert_i32x4_s (i32x4.shr_s (v128.xor (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 14)))
          (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)) (i32.const 9))))`;

  // ---- GEMM 4x8: C[M x N] = A[M x K] * B[K x N] + bias, clamped. ----
  // A packed by 4-row panels: panel i holds K groups of 4 floats (rows 4i..4i+3, zero padded); panels
  // are `astride` bytes apart, so a block of K can be run by offsetting `a` and `bp`.
  // With `accum`, C already holds partial sums (N must then be a multiple of 8: no overlapping block).
  // B is indirect: bptr[k] is the byte address of row k, columns are contiguous from there.
  // N >= 8: the last column block is shifted left to end at N (recomputing a few columns).
  const accs = [];
  for (let r = 0; r < 4; r++) accs.push([`$c${r}0`, `$c${r}1`]);
  const gemmK = [];
  for (let r = 0; r < 4; r++) {
    gemmK.push(`(local.set $av (v128.load32_splat offset=${r * 4} (local.get $pa)))`);
    gemmK.push(madd(accs[r][0], '(local.get $av)', '(local.get $b0)'));
    gemmK.push(madd(accs[r][1], '(local.get $av)', '(local.get $b1)'));
  }
  // Accumulators start from the bias, or (K split in blocks) from the partial sums already in C.
  const gemmInit = [];
  for (let r = 0; r < 4; r++) {
    gemmInit.push(`(local.set $av (v128.load32_splat offset=${r * 4} (local.get $pbias)))`);
    gemmInit.push(`(local.set ${accs[r][0]} (local.get $av)) (local.set ${accs[r][1]} (local.get $av))`);
  }
  const gemmLoad = [];
  for (let r = 0; r < 4; r++) {
    const row = `(i32.add (local.get $cp) (i32.mul (i32.const ${r}) (local.get $ldc4)))`;
    const load = `(local.set ${accs[r][0]} (v128.load ${row})) (local.set ${accs[r][1]} (v128.load offset=16 ${row}))`;
    gemmLoad.push(r === 0 ? load : `(if (i32.lt_s (i32.add (local.get $m) (i32.const ${r})) (local.get $M)) (then ${load}))`);
  }
  const gemmStore = [];
  for (let r = 0; r < 4; r++) {
    const store = `(v128.store (local.get $cp) ${clamp(`(local.get ${accs[r][0]})`)})
        (v128.store offset=16 (local.get $cp) ${clamp(`(local.get ${accs[r][1]})`)})`;
    if (r === 0) gemmStore.push(store);
    else gemmStore.push(`(if (i32.lt_s (i32.add (local.get $m) (i32.const ${r})) (local.get $M)) (then
        (local.set $cp (i32.add (local.get $cp) (local.get $ldc4)))
        ${store}))`);
  }


  // ---- Depthwise 3x3, stride 1, padding 1 (zeros), straight from the unpadded input. ----
  // Two or four output rows per pass; per input row 6 loads feed up to 12 (18) multiply-adds. The zero padding is
  // implicit: rows outside the image read a zero row, and the first/last column block masks off the one
  // lane that would read across the row edge. No padded copy of the input is made.
  const rowLoads = (pm, mine, masked) => {
    // pm: address of column x0 - 1. mine: [[accumulator pair, weight row], ...] this input row feeds.
    const out = [];
    const vecs = [
      ['0', 0, '(local.get $ml)'], ['4', 0, null], ['8', 0, null],
      ['16', 1, null], ['20', 1, null], ['24', 1, '(local.get $mr)'],
    ];
    vecs.forEach(([off, half, mask], i) => {
      const load = `(v128.load offset=${off} ${pm})`;
      out.push(`(local.set $v ${mask === null || !masked ? load : `(v128.and ${load} ${mask})`})`);
      for (const [accs, wrow] of mine) out.push(madd(accs[half], `(local.get $w${wrow * 3 + (i % 3)})`, '(local.get $v)'));
    });
    return out.join('\n                ');
  };
  // R output rows per pass: input row r (y - 1 + r) feeds output rows o = r - 2 .. r with weight row r - o.
  const dwP1Body = (masked, R) => Array.from({ length: R + 2 }, (_, r) => rowLoads(`(local.get $p${r})`,
    Array.from({ length: R }, (_, o) => o).filter((o) => r - o >= 0 && r - o <= 2).map((o) => [[`$a${2 * o}`, `$a${2 * o + 1}`], r - o]), masked),
  ).join('\n                ');
  // Depthwise 3x3 stride 2: window row r (input row 2y-1+r) adds columns 2x-1, 2x, 2x+1 of four outputs, taken as
  // even/odd lanes by shuffles; the column -1 lane is masked at x = 0.
  const dwS2WindowRow = (r) => `;; input row ${r} of the window: columns 2x-1, 2x, 2x+1 of four outputs (even/odd lanes by shuffles)
            (local.set $p (i32.add (local.get $r${r}) (i32.shl (local.get $x) (i32.const 1))))
            (local.set $a (v128.load (local.get $p)))
            (local.set $b (v128.load offset=16 (local.get $p)))
            (local.set $v (v128.and (local.get $ml) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
              (v128.load (i32.sub (local.get $p) (i32.const 8))) (v128.load offset=8 (local.get $p)))))
            ${madd('$acc', `(local.get $w${3 * r})`, '(local.get $v)')}
            ${madd('$acc', `(local.get $w${3 * r + 1})`, '(i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))')}
            ${madd('$acc', `(local.get $w${3 * r + 2})`, '(i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))')}`;
  const dwP1Weights = Array.from({ length: 9 }, (_, t) => `(local.set $w${t} (v128.load32_splat offset=${t * 4} (local.get $wc)))`).join('\n      ');
  // `clamped` false: the `_linear` variant, no activation in the store (lo/hi ignored).
  const dwP1Func = (clamped, R) => {
    const store = (v) => (clamped ? clamp(v) : v);
    return `;; Depthwise 3x3, stride 1, dilation 1, zero padding 1: out[c] is H x W like its input. Reads the
  ;; compact input directly; zrow points at a zero row of W floats with 4 zero floats on each side.
  ;; ${R} output rows per pass (the last pass moved up to end at H). Needs W >= 8 and H >= ${R}; 4 bytes before src
  ;; and after its end must be readable.
  (func (export "dw3x3_s1p1_rows${R}${clamped ? '' : '_linear'}")
    (param $C i32) (param $H i32) (param $W i32) (param $src i32) (param $w i32) (param $bias i32)
    (param $dst i32) (param $zrow i32) (param $lo f32) (param $hi f32)
    (local $c i32) (local $y i32) (local $ylast i32) (local $x i32) (local $xlast i32) (local $rowb i32) (local $plane i32)
    (local $cin i32) (local $cout i32) (local $wc i32)
    ${Array.from({ length: R + 2 }, (_, r) => `(local $r${r} i32) (local $p${r} i32)`).join(' ')} (local $o0 i32)
    (local $vlo v128) (local $vhi v128) (local $vb v128) (local $v v128) (local $ml v128) (local $mr v128)
    ${Array.from({ length: 2 * R }, (_, a) => `(local $a${a} v128)`).join(' ')}
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    ${clamped ? '(local.set $vlo (f32x4.splat (local.get $lo))) (local.set $vhi (f32x4.splat (local.get $hi)))' : ''}
    (local.set $rowb (i32.shl (local.get $W) (i32.const 2)))
    (local.set $plane (i32.mul (local.get $H) (local.get $rowb)))
    (local.set $xlast (i32.shl (i32.sub (local.get $W) (i32.const 8)) (i32.const 2)))
    (local.set $ylast (i32.sub (local.get $H) (i32.const ${R})))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $cin (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $plane))))
      (local.set $cout (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $plane))))
      (local.set $wc (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36))))
      ${dwP1Weights}
      (local.set $vb (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $y (i32.const 0))
      (block $ydone
        (loop $yloop
          (if (i32.gt_s (local.get $y) (local.get $ylast)) (then (local.set $y (local.get $ylast))))
          ;; Input rows y-1 .. y+R (minus 4 bytes: column -1), the zero row outside the image.
          (local.set $r1 (i32.sub (i32.add (local.get $cin) (i32.mul (local.get $y) (local.get $rowb))) (i32.const 4)))
          ${Array.from({ length: R - 1 }, (_, k) => `(local.set $r${k + 2} (i32.add (local.get $r${k + 1}) (local.get $rowb)))`).join('\n          ')}
          (local.set $r0 (select (i32.sub (local.get $zrow) (i32.const 4)) (i32.sub (local.get $r1) (local.get $rowb)) (i32.eqz (local.get $y))))
          (local.set $r${R + 1} (select (i32.sub (local.get $zrow) (i32.const 4)) (i32.add (local.get $r${R}) (local.get $rowb))
            (i32.ge_s (i32.add (local.get $y) (i32.const ${R})) (local.get $H))))
          (local.set $x (i32.const 0))
          (block $xdone
            (loop $xloop
              (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
              ${Array.from({ length: R + 2 }, (_, r) => `(local.set $p${r} (i32.add (local.get $r${r}) (local.get $x)))`).join('\n              ')}
              ${Array.from({ length: 2 * R }, (_, a) => `(local.set $a${a} (local.get $vb))`).join(' ')}
              ;; Only the first and last column blocks can read across a row edge: they mask, the rest do not.
              (if (i32.or (i32.eqz (local.get $x)) (i32.eq (local.get $x) (local.get $xlast)))
                (then
                (local.set $ml (select (v128.const i32x4 0 -1 -1 -1) (v128.const i32x4 -1 -1 -1 -1) (i32.eqz (local.get $x))))
                (local.set $mr (select (v128.const i32x4 -1 -1 -1 0) (v128.const i32x4 -1 -1 -1 -1) (i32.eq (local.get $x) (local.get $xlast))))
                ${dwP1Body(true, R)})
                (else
                ${dwP1Body(false, R)}))
              (local.set $o0 (i32.add (i32.add (local.get $cout) (i32.mul (local.get $y) (local.get $rowb))) (local.get $x)))
              ${Array.from({ length: R }, (_, o) => `${o === 0 ? '' : '(local.set $o0 (i32.add (local.get $o0) (local.get $rowb)))\n              '}(v128.store (local.get $o0) ${store(`(local.get $a${2 * o})`)})
              (v128.store offset=16 (local.get $o0) ${store(`(local.get $a${2 * o + 1})`)})`).join('\n              ')}
              (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
              (local.set $x (i32.add (local.get $x) (i32.const 32)))
              (br $xloop)))
          (br_if $ydone (i32.eq (local.get $y) (local.get $ylast)))
          (local.set $y (i32.add (local.get $y) (i32.const ${R})))
          (br $yloop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))`;
  };

  // ---- Element-wise kernels over n floats: four lanes at a time, the tail one lane at a time. ----
  // `body(v)` gives the result vector for the input vector expression v (it may set $e, $t, $u first).
  const elementwise = (name, doc, body) => `;; ${doc}
  (func (export "${name}")
    (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $x v128) (local $e v128) (local $t v128) (local $u v128) (local $big v128)
    (local $y v128) (local $w v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $x (v128.load (i32.add (local.get $src) (local.get $i))))
        (v128.store (i32.add (local.get $dst) (local.get $i)) ${body()})
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (v128.load32_splat (i32.add (local.get $src) (local.get $i))))
        (f32.store (i32.add (local.get $dst) (local.get $i)) (f32x4.extract_lane 0 ${body()}))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sloop))))`;
  // exp(-x) of the vector in $x into $e (Cephes' expf: a degree-5 polynomial on x - n ln2, times 2^n; about
  // 1 ulp). Inputs are clamped to where 2^n is a normal float (beyond the top, inf), with pmax/pmin (one instruction each; the input
  // as first operand keeps a NaN). 2^n is built from n + 127 added to 1.5 * 2^23, whose low bits then hold it.
  const expNeg = () => `(local.set $t (f32x4.pmin (f32x4.pmax (f32x4.neg (local.get $x)) (v128.const f32x4 -87.3365447504 -87.3365447504 -87.3365447504 -87.3365447504))
        (v128.const f32x4 88.3762626647949 88.3762626647949 88.3762626647949 88.3762626647949)))
        (local.set $u (f32x4.floor (f32x4.add (f32x4.mul (local.get $t) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
          (v128.const f32x4 0.5 0.5 0.5 0.5))))
        (local.set $t (f32x4.sub (f32x4.sub (local.get $t) (f32x4.mul (local.get $u) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
          (f32x4.mul (local.get $u) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
        (local.set $e (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
        ${[1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map((c) =>
          `(local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $t)) (v128.const f32x4 ${c} ${c} ${c} ${c})))`).join('\n        ')}
        (local.set $e (f32x4.add (f32x4.add (f32x4.mul (local.get $e) (f32x4.mul (local.get $t) (local.get $t))) (local.get $t)) (v128.const f32x4 1 1 1 1)))
        (local.set $e (f32x4.mul (local.get $e) (i32x4.shl (f32x4.add (local.get $u) (v128.const f32x4 12583039 12583039 12583039 12583039)) (i32.const 23))))
        ;; Past the clamp exp(-x) is inf in float32, as PyTorch computes it (so -inf gives NaN, -100 gives -0).
        (local.set $big (f32x4.gt (f32x4.neg (local.get $x)) (v128.const f32x4 88.3762626647949 88.3762626647949 88.3762626647949 88.3762626647949)))
        (local.set $e (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $e) (local.get $big)))`;
  const binaryOps = [['add', 'f32x4.add'], ['sub', 'f32x4.sub'], ['mul', 'f32x4.mul'], ['div', 'f32x4.div']];
  // dst = a op b, same shapes; the float32 operation is what JavaScript's double operation rounds to (exact for + - * /).
  const binaryFunc = ([name, op]) => `(func (export "${name}_f32")
    (param $a i32) (param $b i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (${op} (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $dst) (local.get $i))
          (${op.replace('f32x4', 'f32')} (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sloop))))
  ;; dst[r][i] = a[r][i] op b[r] (or b[r] op a[r] with $swap) for R runs of L floats: a per-channel operand
  ;; ([N, C, 1, 1] against [N, C, H, W], a squeeze-excitation scale).
  (func (export "${name}_runs_f32")
    (param $a i32) (param $b i32) (param $dst i32) (param $R i32) (param $L i32) (param $swap i32)
    (local $r i32) (local $i i32) (local $end4 i32) (local $end i32) (local $pa i32) (local $pd i32) (local $vb v128) (local $va v128)
    (local.set $end (i32.shl (local.get $L) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $r (i32.const 0))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $vb (v128.load32_splat (i32.add (local.get $b) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $end))))
        (local.set $pd (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $end))))
        (local.set $i (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $va (v128.load (i32.add (local.get $pa) (local.get $i))))
            (v128.store (i32.add (local.get $pd) (local.get $i))
              (if (result v128) (local.get $swap) (then (${op} (local.get $vb) (local.get $va))) (else (${op} (local.get $va) (local.get $vb)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $va (v128.load32_splat (i32.add (local.get $pa) (local.get $i))))
            (f32.store (i32.add (local.get $pd) (local.get $i)) (f32x4.extract_lane 0
              (if (result v128) (local.get $swap) (then (${op} (local.get $vb) (local.get $va))) (else (${op} (local.get $va) (local.get $vb))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sloop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))`;

  // ---- Depthwise by taps: out[c][p] = bias[c] + sum_t w[c][t] * src[c][p + off[t]], p blocks of 8. ----
  return `(module
  (memory (export "memory") 1)

  (func (export "gemm_4x8")
    (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $bp i32)
    (param $c i32) (param $ldc i32) (param $bias i32) (param $lo f32) (param $hi f32)
    (param $astride i32) (param $accum i32)
    (local $n0 i32) (local $apanel i32) (local $n4 i32) (local $nlast i32) (local $m i32) (local $pa i32) (local $pk i32)
    (local $kend i32) (local $b i32) (local $cp i32) (local $ldc4 i32) (local $pbias i32)
    (local $vlo v128) (local $vhi v128) (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $kend (i32.add (local.get $bp) (i32.shl (local.get $K) (i32.const 2))))
    (local.set $ldc4 (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $nlast (i32.sub (local.get $N) (i32.const 8)))
    (local.set $n0 (i32.const 0))
    (block $done
      (loop $nloop
        (if (i32.gt_s (local.get $n0) (local.get $nlast)) (then (local.set $n0 (local.get $nlast))))
        (local.set $n4 (i32.shl (local.get $n0) (i32.const 2)))
        (local.set $m (i32.const 0))
        (local.set $apanel (local.get $a))
        (local.set $pbias (local.get $bias))
        (loop $mloop
          (local.set $pa (local.get $apanel))
          (local.set $apanel (i32.add (local.get $apanel) (local.get $astride)))
          (local.set $cp (i32.add (local.get $c)
            (i32.add (i32.mul (local.get $m) (local.get $ldc4)) (local.get $n4))))
          (if (local.get $accum)
            (then ${gemmLoad.join('\n            ')})
            (else ${gemmInit.join('\n            ')}))
          (local.set $pk (local.get $bp))
          (loop $kloop
            (local.set $b (i32.add (i32.load (local.get $pk)) (local.get $n4)))
            (local.set $b0 (v128.load (local.get $b)))
            (local.set $b1 (v128.load offset=16 (local.get $b)))
            ${gemmK.join('\n            ')}
            (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
            (local.set $pk (i32.add (local.get $pk) (i32.const 4)))
            (br_if $kloop (i32.lt_u (local.get $pk) (local.get $kend))))
          ${gemmStore.join('\n          ')}
          (local.set $pbias (i32.add (local.get $pbias) (i32.const 16)))
          (local.set $m (i32.add (local.get $m) (i32.const 4)))
          (br_if $mloop (i32.lt_s (local.get $m) (local.get $M))))
        (br_if $done (i32.eq (local.get $n0) (local.get $nlast)))
        (local.set $n0 (i32.add (local.get $n0) (i32.const 8)))
        (br $nloop))))

  (func (export "dw_taps")
    (param $C i32) (param $N i32) (param $T i32) (param $src i32) (param $srcCS i32) (param $offs i32)
    (param $w i32) (param $bias i32) (param $dst i32) (param $dstCS i32) (param $lo f32) (param $hi f32)
    (local $c i32) (local $p0 i32) (local $nlast i32) (local $t i32) (local $base i32) (local $wc i32)
    (local $addr i32) (local $out i32)
    (local $vlo v128) (local $vhi v128) (local $vb v128) (local $wv v128) (local $a0 v128) (local $a1 v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $nlast (i32.shl (i32.sub (local.get $N) (i32.const 8)) (i32.const 2)))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $srcCS))))
      (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $dstCS))))
      (local.set $wc (i32.add (local.get $w) (i32.shl (i32.mul (local.get $c) (local.get $T)) (i32.const 2))))
      (local.set $vb (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $p0 (i32.const 0))
      (block $pdone
        (loop $ploop
          (if (i32.gt_s (local.get $p0) (local.get $nlast)) (then (local.set $p0 (local.get $nlast))))
          (local.set $a0 (local.get $vb))
          (local.set $a1 (local.get $vb))
          (local.set $t (i32.const 0))
          (loop $tloop
            (local.set $wv (v128.load32_splat (i32.add (local.get $wc) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $addr (i32.add (i32.add (local.get $base) (local.get $p0))
              (i32.load (i32.add (local.get $offs) (i32.shl (local.get $t) (i32.const 2))))))
            ${madd('$a0', '(local.get $wv)', '(v128.load (local.get $addr))')}
            ${madd('$a1', '(local.get $wv)', '(v128.load offset=16 (local.get $addr))')}
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br_if $tloop (i32.lt_s (local.get $t) (local.get $T))))
          (v128.store (i32.add (local.get $out) (local.get $p0)) ${clamp('(local.get $a0)')})
          (v128.store offset=16 (i32.add (local.get $out) (local.get $p0)) ${clamp('(local.get $a1)')})
          (br_if $pdone (i32.eq (local.get $p0) (local.get $nlast)))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
          (br $ploop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

;; Max pooling by taps over phase planes: out[c][p] = max_t src[c][p + off[t]], p in blocks of 8 (the
  ;; last block overlaps). f32x4.max keeps NaN, as PyTorch's max pooling does; padding holds -inf.
  (func (export "max_taps")
    (param $C i32) (param $N i32) (param $T i32) (param $src i32) (param $srcCS i32) (param $offs i32)
    (param $dst i32) (param $dstCS i32)
    (local $c i32) (local $p0 i32) (local $nlast i32) (local $t i32) (local $base i32) (local $addr i32) (local $out i32)
    (local $a0 v128) (local $a1 v128)
    (local.set $nlast (i32.shl (i32.sub (local.get $N) (i32.const 8)) (i32.const 2)))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $srcCS))))
      (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $dstCS))))
      (local.set $p0 (i32.const 0))
      (block $pdone
        (loop $ploop
          (if (i32.gt_s (local.get $p0) (local.get $nlast)) (then (local.set $p0 (local.get $nlast))))
          (local.set $a0 (v128.const f32x4 -inf -inf -inf -inf))
          (local.set $a1 (v128.const f32x4 -inf -inf -inf -inf))
          (local.set $t (i32.const 0))
          (loop $tloop
            (local.set $addr (i32.add (i32.add (local.get $base) (local.get $p0))
              (i32.load (i32.add (local.get $offs) (i32.shl (local.get $t) (i32.const 2))))))
            (local.set $a0 (f32x4.max (local.get $a0) (v128.load (local.get $addr))))
            (local.set $a1 (f32x4.max (local.get $a1) (v128.load offset=16 (local.get $addr))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br_if $tloop (i32.lt_s (local.get $t) (local.get $T))))
          (v128.store (i32.add (local.get $out) (local.get $p0)) (local.get $a0))
          (v128.store offset=16 (i32.add (local.get $out) (local.get $p0)) (local.get $a1))
          (br_if $pdone (i32.eq (local.get $p0) (local.get $nlast)))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
          (br $ploop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ;; Depthwise 3x3 (any stride/dilation via phase planes), one output row at a time, straight into the
  ;; compact output: the 9 weights and tap offsets live in registers. Needs Wo >= 8 (last block overlaps).
  (func (export "dw3x3_rows")
    (param $C i32) (param $Ho i32) (param $Wo i32) (param $Wq i32) (param $src i32) (param $srcCS i32)
    (param $offs i32) (param $w i32) (param $bias i32) (param $dst i32) (param $lo f32) (param $hi f32)
    (local $c i32) (local $y i32) (local $x i32) (local $xlast i32) (local $base i32) (local $wc i32)
    (local $rowp i32) (local $orow i32) (local $addr i32) (local $out i32)
    (local $vlo v128) (local $vhi v128) (local $vb v128) (local $a0 v128) (local $a1 v128)
    (local $o0 i32) (local $w0 v128) (local $o1 i32) (local $w1 v128) (local $o2 i32) (local $w2 v128) (local $o3 i32) (local $w3 v128) (local $o4 i32) (local $w4 v128) (local $o5 i32) (local $w5 v128) (local $o6 i32) (local $w6 v128) (local $o7 i32) (local $w7 v128) (local $o8 i32) (local $w8 v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $o0 (i32.load offset=0 (local.get $offs)))
    (local.set $o1 (i32.load offset=4 (local.get $offs)))
    (local.set $o2 (i32.load offset=8 (local.get $offs)))
    (local.set $o3 (i32.load offset=12 (local.get $offs)))
    (local.set $o4 (i32.load offset=16 (local.get $offs)))
    (local.set $o5 (i32.load offset=20 (local.get $offs)))
    (local.set $o6 (i32.load offset=24 (local.get $offs)))
    (local.set $o7 (i32.load offset=28 (local.get $offs)))
    (local.set $o8 (i32.load offset=32 (local.get $offs)))
    (local.set $xlast (i32.shl (i32.sub (local.get $Wo) (i32.const 8)) (i32.const 2)))
    (local.set $out (local.get $dst))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $srcCS))))
      (local.set $wc (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36))))
      (local.set $w0 (v128.load32_splat offset=0 (local.get $wc)))
      (local.set $w1 (v128.load32_splat offset=4 (local.get $wc)))
      (local.set $w2 (v128.load32_splat offset=8 (local.get $wc)))
      (local.set $w3 (v128.load32_splat offset=12 (local.get $wc)))
      (local.set $w4 (v128.load32_splat offset=16 (local.get $wc)))
      (local.set $w5 (v128.load32_splat offset=20 (local.get $wc)))
      (local.set $w6 (v128.load32_splat offset=24 (local.get $wc)))
      (local.set $w7 (v128.load32_splat offset=28 (local.get $wc)))
      (local.set $w8 (v128.load32_splat offset=32 (local.get $wc)))
      (local.set $vb (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $y (i32.const 0))
      (loop $yloop
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xloop
            (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
            (local.set $rowp (i32.add (local.get $base)
              (i32.add (i32.shl (i32.mul (local.get $y) (local.get $Wq)) (i32.const 2)) (local.get $x))))
            (local.set $a0 (local.get $vb))
            (local.set $a1 (local.get $vb))
              (local.set $addr (i32.add (local.get $rowp) (local.get $o0)))
              ${madd('$a0', '(local.get $w0)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w0)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o1)))
              ${madd('$a0', '(local.get $w1)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w1)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o2)))
              ${madd('$a0', '(local.get $w2)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w2)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o3)))
              ${madd('$a0', '(local.get $w3)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w3)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o4)))
              ${madd('$a0', '(local.get $w4)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w4)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o5)))
              ${madd('$a0', '(local.get $w5)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w5)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o6)))
              ${madd('$a0', '(local.get $w6)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w6)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o7)))
              ${madd('$a0', '(local.get $w7)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w7)', '(v128.load offset=16 (local.get $addr))')}
              (local.set $addr (i32.add (local.get $rowp) (local.get $o8)))
              ${madd('$a0', '(local.get $w8)', '(v128.load (local.get $addr))')}
              ${madd('$a1', '(local.get $w8)', '(v128.load offset=16 (local.get $addr))')}
            (local.set $orow (i32.add (local.get $out) (local.get $x)))
            (v128.store (local.get $orow) ${clamp('(local.get $a0)')})
            (v128.store offset=16 (local.get $orow) ${clamp('(local.get $a1)')})
            (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
            (local.set $x (i32.add (local.get $x) (i32.const 32)))
            (br $xloop)))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $Wo) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $yloop (i32.lt_s (local.get $y) (local.get $Ho))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ;; Depthwise 3x3, stride 1, dilation 1: two output rows per pass, so each input vector loaded feeds both
  ;; (4 input rows for 2 output rows instead of 6). Writes the compact output; needs Wo >= 8 and Ho >= 2.
  (func (export "dw3x3_s1_rows2")
    (param $C i32) (param $Ho i32) (param $Wo i32) (param $Wq i32) (param $src i32) (param $srcCS i32)
    (param $w i32) (param $bias i32) (param $dst i32) (param $lo f32) (param $hi f32)
    (local $c i32) (local $y i32) (local $ylast i32) (local $x i32) (local $xlast i32) (local $base i32) (local $wc i32)
    (local $p0 i32) (local $rowp i32) (local $wq4 i32) (local $wo4 i32) (local $o0 i32) (local $ochan i32)
    (local $vlo v128) (local $vhi v128) (local $vb v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $wq4 (i32.shl (local.get $Wq) (i32.const 2)))
    (local.set $wo4 (i32.shl (local.get $Wo) (i32.const 2)))
    (local.set $xlast (i32.shl (i32.sub (local.get $Wo) (i32.const 8)) (i32.const 2)))
    (local.set $ylast (i32.sub (local.get $Ho) (i32.const 2)))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $srcCS))))
      (local.set $ochan (i32.add (local.get $dst) (i32.mul (local.get $c) (i32.mul (local.get $Ho) (local.get $wo4)))))
      (local.set $wc (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36))))
      (local.set $w0 (v128.load32_splat offset=0 (local.get $wc)))
      (local.set $w1 (v128.load32_splat offset=4 (local.get $wc)))
      (local.set $w2 (v128.load32_splat offset=8 (local.get $wc)))
      (local.set $w3 (v128.load32_splat offset=12 (local.get $wc)))
      (local.set $w4 (v128.load32_splat offset=16 (local.get $wc)))
      (local.set $w5 (v128.load32_splat offset=20 (local.get $wc)))
      (local.set $w6 (v128.load32_splat offset=24 (local.get $wc)))
      (local.set $w7 (v128.load32_splat offset=28 (local.get $wc)))
      (local.set $w8 (v128.load32_splat offset=32 (local.get $wc)))
      (local.set $vb (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $y (i32.const 0))
      (block $ydone
        (loop $yloop
          (if (i32.gt_s (local.get $y) (local.get $ylast)) (then (local.set $y (local.get $ylast))))
          (local.set $x (i32.const 0))
          (block $xdone
            (loop $xloop
              (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
              (local.set $p0 (i32.add (local.get $base) (i32.add (i32.mul (local.get $y) (local.get $wq4)) (local.get $x))))
              (local.set $a0 (local.get $vb)) (local.set $a1 (local.get $vb))
              (local.set $a2 (local.get $vb)) (local.set $a3 (local.get $vb))
              (local.set $rowp (i32.add (local.get $p0) (i32.mul (i32.const 0) (local.get $wq4))))
              (local.set $v (v128.load offset=0 (local.get $rowp)))
              ${madd('$a0', '(local.get $w0)', '(local.get $v)')}
              (local.set $v (v128.load offset=16 (local.get $rowp)))
              ${madd('$a1', '(local.get $w0)', '(local.get $v)')}
              (local.set $v (v128.load offset=4 (local.get $rowp)))
              ${madd('$a0', '(local.get $w1)', '(local.get $v)')}
              (local.set $v (v128.load offset=20 (local.get $rowp)))
              ${madd('$a1', '(local.get $w1)', '(local.get $v)')}
              (local.set $v (v128.load offset=8 (local.get $rowp)))
              ${madd('$a0', '(local.get $w2)', '(local.get $v)')}
              (local.set $v (v128.load offset=24 (local.get $rowp)))
              ${madd('$a1', '(local.get $w2)', '(local.get $v)')}
              (local.set $rowp (i32.add (local.get $p0) (i32.mul (i32.const 1) (local.get $wq4))))
              (local.set $v (v128.load offset=0 (local.get $rowp)))
              ${madd('$a0', '(local.get $w3)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w0)', '(local.get $v)')}
              (local.set $v (v128.load offset=16 (local.get $rowp)))
              ${madd('$a1', '(local.get $w3)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w0)', '(local.get $v)')}
              (local.set $v (v128.load offset=4 (local.get $rowp)))
              ${madd('$a0', '(local.get $w4)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w1)', '(local.get $v)')}
              (local.set $v (v128.load offset=20 (local.get $rowp)))
              ${madd('$a1', '(local.get $w4)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w1)', '(local.get $v)')}
              (local.set $v (v128.load offset=8 (local.get $rowp)))
              ${madd('$a0', '(local.get $w5)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w2)', '(local.get $v)')}
              (local.set $v (v128.load offset=24 (local.get $rowp)))
              ${madd('$a1', '(local.get $w5)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w2)', '(local.get $v)')}
              (local.set $rowp (i32.add (local.get $p0) (i32.mul (i32.const 2) (local.get $wq4))))
              (local.set $v (v128.load offset=0 (local.get $rowp)))
              ${madd('$a0', '(local.get $w6)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w3)', '(local.get $v)')}
              (local.set $v (v128.load offset=16 (local.get $rowp)))
              ${madd('$a1', '(local.get $w6)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w3)', '(local.get $v)')}
              (local.set $v (v128.load offset=4 (local.get $rowp)))
              ${madd('$a0', '(local.get $w7)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w4)', '(local.get $v)')}
              (local.set $v (v128.load offset=20 (local.get $rowp)))
              ${madd('$a1', '(local.get $w7)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w4)', '(local.get $v)')}
              (local.set $v (v128.load offset=8 (local.get $rowp)))
              ${madd('$a0', '(local.get $w8)', '(local.get $v)')}
              ${madd('$a2', '(local.get $w5)', '(local.get $v)')}
              (local.set $v (v128.load offset=24 (local.get $rowp)))
              ${madd('$a1', '(local.get $w8)', '(local.get $v)')}
              ${madd('$a3', '(local.get $w5)', '(local.get $v)')}
              (local.set $rowp (i32.add (local.get $p0) (i32.mul (i32.const 3) (local.get $wq4))))
              (local.set $v (v128.load offset=0 (local.get $rowp)))
              ${madd('$a2', '(local.get $w6)', '(local.get $v)')}
              (local.set $v (v128.load offset=16 (local.get $rowp)))
              ${madd('$a3', '(local.get $w6)', '(local.get $v)')}
              (local.set $v (v128.load offset=4 (local.get $rowp)))
              ${madd('$a2', '(local.get $w7)', '(local.get $v)')}
              (local.set $v (v128.load offset=20 (local.get $rowp)))
              ${madd('$a3', '(local.get $w7)', '(local.get $v)')}
              (local.set $v (v128.load offset=8 (local.get $rowp)))
              ${madd('$a2', '(local.get $w8)', '(local.get $v)')}
              (local.set $v (v128.load offset=24 (local.get $rowp)))
              ${madd('$a3', '(local.get $w8)', '(local.get $v)')}
              (local.set $o0 (i32.add (i32.add (local.get $ochan) (i32.mul (local.get $y) (local.get $wo4))) (local.get $x)))
              (v128.store (local.get $o0) ${clamp('(local.get $a0)')})
              (v128.store offset=16 (local.get $o0) ${clamp('(local.get $a1)')})
              (local.set $o0 (i32.add (local.get $o0) (local.get $wo4)))
              (v128.store (local.get $o0) ${clamp('(local.get $a2)')})
              (v128.store offset=16 (local.get $o0) ${clamp('(local.get $a3)')})
              (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
              (local.set $x (i32.add (local.get $x) (i32.const 32)))
              (br $xloop)))
          (br_if $ydone (i32.eq (local.get $y) (local.get $ylast)))
          (local.set $y (i32.add (local.get $y) (i32.const 2)))
          (br $yloop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ${dwP1Func(true, 2)}
  ${dwP1Func(false, 2)}
  ${dwP1Func(true, 4)}
  ${dwP1Func(false, 4)}

  ${elementwise('silu_f32', 'SiLU as PyTorch computes it in float32: x / (1 + exp(-x)).', () => `(block (result v128) ${expNeg()}
        (f32x4.div (local.get $x) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1))))`)}
  ${elementwise('sigmoid_f32', 'sigmoid in float32: 1 / (1 + exp(-x)).', () => `(block (result v128) ${expNeg()}
        (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1))))`)}
  ${elementwise('gelu_f32', 'GELU (erf form) in float32: 0.5 x (1 + erf(x / sqrt 2)), erfc by the Chebyshev fit of ops/activation.ts (|error| < 1.2e-7), '
    + 'whose exp is expNeg; 1 + erf is r for x < 0 and 2 - r otherwise, r = erfc(|x| / sqrt 2), so no 1 - r cancels.', () => `(block (result v128)
        (local.set $y (local.get $x))
        (local.set $u (f32x4.mul (f32x4.abs (local.get $x)) (v128.const f32x4 0.70710678118654752 0.70710678118654752 0.70710678118654752 0.70710678118654752)))
        (local.set $w (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $u) (v128.const f32x4 0.5 0.5 0.5 0.5)))))
        (local.set $e (v128.const f32x4 0.17087277 0.17087277 0.17087277 0.17087277))
        ${[-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223].map((c) =>
          `(local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $w)) (v128.const f32x4 ${c} ${c} ${c} ${c})))`).join('\n        ')}
        (local.set $x (f32x4.sub (f32x4.mul (local.get $u) (local.get $u)) (local.get $e)))
        ${expNeg()}
        ;; exp(-x) past the clamp is below float32's normal range: zero, as the double formula gives at |x| > 13.
        (local.set $e (f32x4.mul (local.get $w) (v128.andnot (local.get $e) (f32x4.gt (local.get $x) (v128.const f32x4 87.3365447504 87.3365447504 87.3365447504 87.3365447504)))))
        (f32x4.mul (f32x4.mul (local.get $y) (v128.const f32x4 0.5 0.5 0.5 0.5))
          (v128.bitselect (local.get $e) (f32x4.sub (v128.const f32x4 2 2 2 2) (local.get $e))
            (f32x4.lt (local.get $y) (v128.const f32x4 0 0 0 0)))))`)}
  ${binaryOps.map(binaryFunc).join('\n  ')}

;; dst[i] = min(max(src[i], lo), hi) for n floats (ReLU, ReLU6, hardtanh), NaN kept as PyTorch keeps it.
  ;; Branch-free, four lanes at a time: a JavaScript loop over random signs mispredicts half its branches.
  (func (export "clamp_f32")
    (param $src i32) (param $dst i32) (param $n i32) (param $lo f32) (param $hi f32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $vlo v128) (local $vhi v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          ${clamp('(v128.load (i32.add (local.get $src) (local.get $i)))')})
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $dst) (local.get $i))
          (f32x4.extract_lane 0 ${clamp('(v128.load32_splat (i32.add (local.get $src) (local.get $i)))')}))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sloop))))

;; The seeded default init (weights/init.ts), four values per step: mulberry32 is counter based (the state
  ;; of draw i is seed + (i+1)*0x6d2b79f5), so lanes are independent. The value of draw u is its top 23 bits as
  ;; a signed integer, (u - 2^31) >> 9, times float32(bound * 2^-22), in float32 (exact conversion, one rounding):
  ;; what the JavaScript loop computes, so the same bits. dst gets n rounded up to a multiple of 4 values.
  (func (export "uniform_fill")
    (param $dst i32) (param $n i32) (param $state i32) (param $bound f64)
    (local $i i32) (local $a v128) (local $t v128) (local $step v128) (local $vc v128)
    (local.set $a (i32x4.add (i32x4.splat (local.get $state))
      (i32x4.mul (v128.const i32x4 1 2 3 4) (i32x4.splat (i32.const 0x6d2b79f5)))))
    (local.set $step (i32x4.splat (i32.mul (i32.const 4) (i32.const 0x6d2b79f5))))
    (local.set $vc (f32x4.splat (f32.demote_f64 (f64.mul (local.get $bound) (f64.const 0x1p-22)))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        ${uniformInts}
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (f32x4.mul (local.get $t) (local.get $vc)))
        (local.set $a (i32x4.add (local.get $a) (local.get $step)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop))))

  ;; The seeded default init of an [M, K] weight drawn straight into a packed layout: row m is draws
  ;; m*K+1 .. m*K+K of the stream from state, times scale[m] in float32 (a folded BatchNorm; scale = 0: none), as
  ;; packing the drawn values computes it. Lanes are four rows, K draws apart: the vector of rows 4p..4p+3 at
  ;; column k goes to dst + p*pStride + k*kStride, zeros in rows past M. The GEMM's A panels (packing.ts
  ;; packGemmA) are kStride 16, pStride 16K; a Linear's transposed weight, kStride = its row stride, pStride 16.
  ;; scale holds M rounded up to 4 floats.
  (func (export "uniform_pack")
    (param $dst i32) (param $M i32) (param $K i32) (param $state i32) (param $bound f64) (param $scale i32)
    (param $kStride i32) (param $pStride i32)
    (local $p i32) (local $k i32) (local $a v128) (local $t v128) (local $step v128) (local $mask v128) (local $vc v128)
    (local $sf v128) (local $rows v128) (local $out i32) (local $panels i32)
    (local.set $step (i32x4.splat (i32.const 0x6d2b79f5)))
    (local.set $panels (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)))
    (local.set $vc (f32x4.splat (f32.demote_f64 (f64.mul (local.get $bound) (f64.const 0x1p-22)))))
    (local.set $sf (f32x4.splat (f32.const 1)))
    (local.set $p (i32.const 0))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_s (local.get $p) (local.get $panels)))
        ;; rows 4p..4p+3; counters state + (1 + row*K) * 0x6d2b79f5
        (local.set $rows (i32x4.add (i32x4.splat (i32.shl (local.get $p) (i32.const 2))) (v128.const i32x4 0 1 2 3)))
        (local.set $mask (i32x4.lt_s (local.get $rows) (i32x4.splat (local.get $M))))
        (local.set $a (i32x4.add (i32x4.splat (local.get $state))
          (i32x4.mul (i32x4.add (i32x4.mul (local.get $rows) (i32x4.splat (local.get $K))) (i32x4.splat (i32.const 1))) (local.get $step))))
        (if (local.get $scale) (then
          (local.set $sf (v128.load (i32.add (local.get $scale) (i32.shl (local.get $p) (i32.const 4)))))))
        (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $p) (local.get $pStride))))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $kloop
            (br_if $kdone (i32.ge_s (local.get $k) (local.get $K)))
            ${uniformInts}
            (v128.store (local.get $out) (v128.and (local.get $mask)
              (f32x4.mul (f32x4.mul (local.get $t) (local.get $vc)) (local.get $sf))))
            (local.set $out (i32.add (local.get $out) (local.get $kStride)))
            (local.set $a (i32x4.add (local.get $a) (local.get $step)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ploop))))

    ;; dst[c][r][q] = src[c][rows[r]][cols[q]], or fill where an index is negative (padding: 0 for
  ;; convolutions, -inf for max pooling).
  ;; Columns q0..q1 map to sc0.. contiguously and are copied in bulk.
  (func (export "gather2d")
    (param $src i32) (param $C i32) (param $srcCS i32) (param $W i32) (param $rows i32) (param $nr i32)
    (param $cols i32) (param $nc i32) (param $q0 i32) (param $q1 i32) (param $sc0 i32)
    (param $dst i32) (param $dstCS i32) (param $fill f32)
    (local $c i32) (local $r i32) (local $q i32) (local $sr i32) (local $sc i32) (local $srow i32) (local $drow i32)
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $r (i32.const 0))
      (loop $rloop
        (local.set $sr (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $drow (i32.add (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $dstCS)))
          (i32.shl (i32.mul (local.get $r) (local.get $nc)) (i32.const 2))))
        (if (i32.lt_s (local.get $sr) (i32.const 0))
          (then
            (local.set $q (i32.const 0))
            (block $fdone (loop $floop
              (br_if $fdone (i32.ge_s (local.get $q) (local.get $nc)))
              (f32.store (i32.add (local.get $drow) (i32.shl (local.get $q) (i32.const 2))) (local.get $fill))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br $floop))))
          (else
            (local.set $srow (i32.add (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $srcCS)))
              (i32.shl (i32.mul (local.get $sr) (local.get $W)) (i32.const 2))))
            (local.set $q (i32.const 0))
            (block $qdone (loop $qloop
              (br_if $qdone (i32.ge_s (local.get $q) (local.get $nc)))
              (if (i32.eq (local.get $q) (local.get $q0)) (then
                (if (i32.gt_s (local.get $q1) (local.get $q0)) (then
                  (memory.copy
                    (i32.add (local.get $drow) (i32.shl (local.get $q0) (i32.const 2)))
                    (i32.add (local.get $srow) (i32.shl (local.get $sc0) (i32.const 2)))
                    (i32.shl (i32.sub (local.get $q1) (local.get $q0)) (i32.const 2)))
                  (local.set $q (local.get $q1))
                  (br $qloop)))))
              (local.set $sc (i32.load (i32.add (local.get $cols) (i32.shl (local.get $q) (i32.const 2)))))
              (f32.store (i32.add (local.get $drow) (i32.shl (local.get $q) (i32.const 2)))
                (if (result f32) (i32.lt_s (local.get $sc) (i32.const 0))
                  (then (local.get $fill))
                  (else (f32.load (i32.add (local.get $srow) (i32.shl (local.get $sc) (i32.const 2)))))))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br $qloop)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rloop (i32.lt_s (local.get $r) (local.get $nr))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ;; Depthwise 3x3, stride 2, zero padding 1 (MobileNet's and EfficientNet's downsampling blocks) straight from the
  ;; unpadded input: for each input row of the window, columns 2x, 2x+1 of four outputs are the even and odd lanes
  ;; of eight loaded values, column 2x-1 the odd lanes of the eight before; the first block masks column -1, rows
  ;; outside the image read a zero row. Needs W a multiple of 4 and Wo >= 4; zrow: W + 16 zero floats, pointed at +8.
  (func (export "dw3x3_s2p1")
    (param $C i32) (param $H i32) (param $W i32) (param $src i32) (param $w i32) (param $bias i32)
    (param $dst i32) (param $Ho i32) (param $Wo i32) (param $zrow i32) (param $lo f32) (param $hi f32)
    (local $c i32) (local $y i32) (local $x i32) (local $xlast i32) (local $plane i32) (local $rowb i32) (local $cin i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $p i32) (local $out i32) (local $wc i32)
    (local $vlo v128) (local $vhi v128) (local $vb v128) (local $acc v128) (local $a v128) (local $b v128) (local $v v128) (local $ml v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $rowb (i32.shl (local.get $W) (i32.const 2)))
    (local.set $plane (i32.mul (local.get $H) (local.get $rowb)))
    (local.set $xlast (i32.shl (i32.sub (local.get $Wo) (i32.const 4)) (i32.const 2)))
    (local.set $out (local.get $dst))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $cin (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $plane))))
      (local.set $wc (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36))))
      ${dwP1Weights}
      (local.set $vb (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
      (local.set $y (i32.const 0))
      (loop $yloop
        (local.set $r1 (i32.add (local.get $cin) (i32.mul (i32.shl (local.get $y) (i32.const 1)) (local.get $rowb))))
        (local.set $r0 (select (local.get $zrow) (i32.sub (local.get $r1) (local.get $rowb)) (i32.eqz (local.get $y))))
        (local.set $r2 (select (local.get $zrow) (i32.add (local.get $r1) (local.get $rowb))
          (i32.ge_s (i32.add (i32.shl (local.get $y) (i32.const 1)) (i32.const 1)) (local.get $H))))
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xloop
            (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
            (local.set $ml (select (v128.const i32x4 0 -1 -1 -1) (v128.const i32x4 -1 -1 -1 -1) (i32.eqz (local.get $x))))
            (local.set $acc (local.get $vb))
            ${[0, 1, 2].map(dwS2WindowRow).join('\n            ')}
            (v128.store (i32.add (local.get $out) (local.get $x)) ${clamp('(local.get $acc)')})
            (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $xloop)))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $Wo) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $yloop (i32.lt_s (local.get $y) (local.get $Ho))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ;; Max pooling 3x3, stride 2, padding 1 (ResNet's stem) straight from the unpadded input: per output row, the
  ;; maximum of its three input rows (two at the top/bottom edge) into a row buffer with -inf on both sides, then
  ;; of each even column, the odd one after it and the odd one before it (lanes picked by shuffles). f32x4.max
  ;; keeps NaN, as PyTorch's max pooling does. Needs W a multiple of 4 and Wo >= 4; rowbuf holds W + 16 floats.
  (func (export "maxpool3x3s2p1")
    (param $C i32) (param $H i32) (param $W i32) (param $src i32) (param $dst i32) (param $Ho i32) (param $Wo i32) (param $rowbuf i32)
    (local $c i32) (local $y i32) (local $x i32) (local $xlast i32) (local $plane i32) (local $rowb i32) (local $r0 i32) (local $r1 i32) (local $r2 i32)
    (local $rb i32) (local $out i32) (local $i i32) (local $p i32) (local $v v128) (local $a v128) (local $b v128) (local $pa v128) (local $pb v128)
    (local.set $rowb (i32.shl (local.get $W) (i32.const 2)))
    (local.set $plane (i32.mul (local.get $H) (local.get $rowb)))
    (local.set $rb (i32.add (local.get $rowbuf) (i32.const 16)))
    ;; -inf before column 0 and after column W-1
    (v128.store (local.get $rowbuf) (v128.const f32x4 -inf -inf -inf -inf))
    (v128.store (i32.add (local.get $rb) (local.get $rowb)) (v128.const f32x4 -inf -inf -inf -inf))
    (v128.store offset=16 (i32.add (local.get $rb) (local.get $rowb)) (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $xlast (i32.shl (i32.sub (local.get $Wo) (i32.const 4)) (i32.const 2)))
    (local.set $out (local.get $dst))
    (local.set $c (i32.const 0))
    (loop $cloop
      (local.set $y (i32.const 0))
      (loop $yloop
        ;; rows 2y-1 .. 2y+1 clipped to the image (a clipped row repeats the middle one: the max is unchanged)
        (local.set $r1 (i32.add (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $plane)))
          (i32.mul (i32.shl (local.get $y) (i32.const 1)) (local.get $rowb))))
        (local.set $r0 (select (local.get $r1) (i32.sub (local.get $r1) (local.get $rowb)) (i32.eqz (local.get $y))))
        (local.set $r2 (select (local.get $r1) (i32.add (local.get $r1) (local.get $rowb))
          (i32.ge_s (i32.add (i32.shl (local.get $y) (i32.const 1)) (i32.const 1)) (local.get $H))))
        (local.set $i (i32.const 0))
        (loop $vloop
          (v128.store (i32.add (local.get $rb) (local.get $i))
            (f32x4.max (f32x4.max (v128.load (i32.add (local.get $r0) (local.get $i))) (v128.load (i32.add (local.get $r1) (local.get $i))))
              (v128.load (i32.add (local.get $r2) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $vloop (i32.lt_u (local.get $i) (local.get $rowb))))
        (local.set $x (i32.const 0))
        (block $xdone
          (loop $xloop
            (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
            ;; row buffer columns 2x .. 2x+7 and 2x-2 .. 2x+5
            (local.set $p (i32.add (local.get $rb) (i32.shl (local.get $x) (i32.const 1))))
            (local.set $a (v128.load (local.get $p)))
            (local.set $b (v128.load offset=16 (local.get $p)))
            (local.set $pa (v128.load (i32.sub (local.get $p) (i32.const 8))))
            (local.set $pb (v128.load offset=8 (local.get $p)))
            (local.set $v (f32x4.max
              (f32x4.max (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b)))
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $pa) (local.get $pb))))
            (v128.store (i32.add (local.get $out) (local.get $x)) (local.get $v))
            (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $xloop)))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $Wo) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $yloop (i32.lt_s (local.get $y) (local.get $Ho))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $cloop (i32.lt_s (local.get $c) (local.get $C)))))

  ;; B rows made contiguous (im2col from phase planes): for each k, the Ho rows of Wo floats at ptrs[k] + y*Wq floats
  ;; go to dst + k*ldb floats, one after another; ptrs[k] then points there. Needs Wo >= 4 (the last vector of a
  ;; row overlaps the one before). For small images, where strips of the plane width waste many columns.
  (func (export "pack_rows")
    (param $K i32) (param $ptrs i32) (param $Ho i32) (param $Wo i32) (param $Wq i32) (param $dst i32) (param $ldb i32)
    (local $k i32) (local $y i32) (local $x i32) (local $xlast i32) (local $src i32) (local $d i32) (local $row i32) (local $pk i32)
    (local.set $xlast (i32.shl (i32.sub (local.get $Wo) (i32.const 4)) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $kdone
      (loop $kloop
        (br_if $kdone (i32.ge_s (local.get $k) (local.get $K)))
        (local.set $pk (i32.add (local.get $ptrs) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $src (i32.load (local.get $pk)))
        (local.set $row (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $k) (local.get $ldb)) (i32.const 2))))
        (i32.store (local.get $pk) (local.get $row))
        (local.set $y (i32.const 0))
        (block $ydone
          (loop $yloop
            (br_if $ydone (i32.ge_s (local.get $y) (local.get $Ho)))
            (local.set $x (i32.const 0))
            (block $xdone
              (loop $xloop
                (if (i32.gt_s (local.get $x) (local.get $xlast)) (then (local.set $x (local.get $xlast))))
                (v128.store (i32.add (local.get $row) (local.get $x)) (v128.load (i32.add (local.get $src) (local.get $x))))
                (br_if $xdone (i32.eq (local.get $x) (local.get $xlast)))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $xloop)))
            (local.set $row (i32.add (local.get $row) (i32.shl (local.get $Wo) (i32.const 2))))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $Wq) (i32.const 2))))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $yloop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kloop))))

  ;; dst = src * scale + shift per run of len floats, run r taking channel r % C's (scale, shift), two f64 at params +
  ;; 16c: BatchNorm in eval mode. In double, rounded to float32 once: what JavaScript's loop computes, bit for bit.
  (func (export "scale_shift_runs")
    (param $src i32) (param $dst i32) (param $runs i32) (param $len i32) (param $C i32) (param $params i32)
    (local $r i32) (local $c i32) (local $i i32) (local $end i32) (local $end4 i32) (local $base i32)
    (local $s v128) (local $b v128) (local $x v128) (local $sf f64) (local $bf f64)
    (local.set $end (i32.shl (local.get $len) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_s (local.get $r) (local.get $runs)))
        (local.set $sf (f64.load (i32.add (local.get $params) (i32.shl (local.get $c) (i32.const 4)))))
        (local.set $bf (f64.load offset=8 (i32.add (local.get $params) (i32.shl (local.get $c) (i32.const 4)))))
        (local.set $s (f64x2.splat (local.get $sf)))
        (local.set $b (f64x2.splat (local.get $bf)))
        (local.set $base (i32.mul (local.get $r) (local.get $end)))
        (local.set $i (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
            (local.set $x (v128.load (i32.add (local.get $src) (i32.add (local.get $base) (local.get $i)))))
            (v128.store (i32.add (local.get $dst) (i32.add (local.get $base) (local.get $i)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $s)) (local.get $b)))
                (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))) (local.get $s)) (local.get $b)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
            (f32.store (i32.add (local.get $dst) (i32.add (local.get $base) (local.get $i)))
              (f32.demote_f64 (f64.add (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.add (local.get $base) (local.get $i)))))
                (local.get $sf)) (local.get $bf))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sloop)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (if (i32.eq (local.get $c) (local.get $C)) (then (local.set $c (i32.const 0))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; The preview's statistics of n floats in one pass, four lanes at a time: min and max as JavaScript's
  ;; "v < min" keeps them (pmin/pmax: a NaN never replaces one), the count of zeros, and the sum in double in
  ;; four lane sums (ops/summary.ts adds them in the same order). out: f64 sum, f32 min, f32 max, i32 zeros.
  (func (export "stats_f32")
    (param $src i32) (param $n i32) (param $out i32)
    (local $i i32) (local $end i32) (local $end4 i32) (local $v v128)
    (local $mn v128) (local $mx v128) (local $s0 v128) (local $s1 v128) (local $z v128)
    (local $sum f64) (local $fmn f32) (local $fmx f32) (local $zeros i32) (local $x f32)
    (local.set $mn (f32x4.splat (f32.const inf)))
    (local.set $mx (f32x4.splat (f32.const -inf)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $v (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $mn (f32x4.pmin (local.get $mn) (local.get $v)))
        (local.set $mx (f32x4.pmax (local.get $mx) (local.get $v)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $s1 (f64x2.add (local.get $s1)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $z (i32x4.sub (local.get $z) (f32x4.eq (local.get $v) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vloop)))
    (local.set $fmn (f32.const inf))
    (local.set $fmx (f32.const -inf))
    ${[0, 1, 2, 3].map((k) => `(local.set $x (f32x4.extract_lane ${k} (local.get $mn)))
    (if (f32.lt (local.get $x) (local.get $fmn)) (then (local.set $fmn (local.get $x))))
    (local.set $x (f32x4.extract_lane ${k} (local.get $mx)))
    (if (f32.gt (local.get $x) (local.get $fmx)) (then (local.set $fmx (local.get $x))))`).join('\n    ')}
    (local.set $zeros (i32.add (i32.add (i32x4.extract_lane 0 (local.get $z)) (i32x4.extract_lane 1 (local.get $z)))
      (i32.add (i32x4.extract_lane 2 (local.get $z)) (i32x4.extract_lane 3 (local.get $z)))))
    (local.set $sum (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0)))
      (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1)))))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $x (f32.load (i32.add (local.get $src) (local.get $i))))
        (if (f32.lt (local.get $x) (local.get $fmn)) (then (local.set $fmn (local.get $x))))
        (if (f32.gt (local.get $x) (local.get $fmx)) (then (local.set $fmx (local.get $x))))
        (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (local.get $x))))
        (local.set $zeros (i32.add (local.get $zeros) (f32.eq (local.get $x) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sloop)))
    (f64.store (local.get $out) (local.get $sum))
    (f32.store offset=8 (local.get $out) (local.get $fmn))
    (f32.store offset=12 (local.get $out) (local.get $fmx))
    (i32.store offset=16 (local.get $out) (local.get $zeros)))

;; The GEMM's A panels of a row-major [M, K] matrix, M a multiple of 4 (packing.ts packGemmA for whole panels):
  ;; panel p holds, for each k, rows 4p..4p+3 at column k. Four columns at a time, a 4x4 transpose in registers.
  (func (export "pack_a4")
    (param $src i32) (param $M i32) (param $K i32) (param $dst i32)
    (local $p i32) (local $k i32) (local $r0 i32) (local $ld i32) (local $k4 i32) (local $out i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $ld (i32.shl (local.get $K) (i32.const 2)))
    (local.set $k4 (i32.and (local.get $K) (i32.const -4)))
    (local.set $out (local.get $dst))
    (local.set $p (i32.const 0))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_s (local.get $p) (local.get $M)))
        (local.set $r0 (i32.add (local.get $src) (i32.mul (local.get $p) (local.get $ld))))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $kloop
            (br_if $kdone (i32.ge_s (local.get $k) (local.get $k4)))
            (local.set $v0 (v128.load (local.get $r0)))
            (local.set $v1 (v128.load (i32.add (local.get $r0) (local.get $ld))))
            (local.set $v2 (v128.load (i32.add (local.get $r0) (i32.shl (local.get $ld) (i32.const 1)))))
            (local.set $v3 (v128.load (i32.add (local.get $r0) (i32.mul (local.get $ld) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store offset=16 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (v128.store offset=32 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
            (v128.store offset=48 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3)))
            (local.set $out (i32.add (local.get $out) (i32.const 64)))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $kloop)))
        (block $tdone
          (loop $tloop
            (br_if $tdone (i32.ge_s (local.get $k) (local.get $K)))
            (f32.store (local.get $out) (f32.load (local.get $r0)))
            (f32.store offset=4 (local.get $out) (f32.load (i32.add (local.get $r0) (local.get $ld))))
            (f32.store offset=8 (local.get $out) (f32.load (i32.add (local.get $r0) (i32.shl (local.get $ld) (i32.const 1)))))
            (f32.store offset=12 (local.get $out) (f32.load (i32.add (local.get $r0) (i32.mul (local.get $ld) (i32.const 3)))))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $ploop))))

  ;; dst[m][y][0..Wo) = src[m*ldm + y*ld + 0..Wo): drops the padding columns a strip-computed conv leaves.
  (func (export "compact")
    (param $M i32) (param $Ho i32) (param $Wo i32) (param $src i32) (param $ldm i32) (param $ld i32) (param $dst i32)
    (local $m i32) (local $y i32) (local $s i32) (local $d i32) (local $row i32)
    (local.set $row (i32.shl (local.get $Wo) (i32.const 2)))
    (local.set $d (local.get $dst))
    (local.set $m (i32.const 0))
    (loop $mloop
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $m) (local.get $ldm)) (i32.const 2))))
      (local.set $y (i32.const 0))
      (loop $yloop
        (memory.copy (local.get $d) (local.get $s) (local.get $row))
        (local.set $d (i32.add (local.get $d) (local.get $row)))
        (local.set $s (i32.add (local.get $s) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $yloop (i32.lt_s (local.get $y) (local.get $Ho))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br_if $mloop (i32.lt_s (local.get $m) (local.get $M)))))
)
`;
}

/** A module that validates only where relaxed SIMD is available. */
export const relaxedProbeWat = `(module (func (param v128 v128 v128) (result v128)
  (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))`;
