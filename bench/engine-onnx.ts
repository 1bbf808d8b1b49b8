// A minimal ONNX (protobuf) writer for the engine benchmark: the peer runs exactly our layers and weights,
// with no Python needed at bench time.


class Writer {
  private parts: number[] = [];
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      this.parts.push(b);
    } while (x !== 0n);
    return this;
  }
  key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytes(field, w.done());
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.parts.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export type Attr = number | number[] | string | { f: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

function valueInfo(name: string, dims: number[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, new Writer().int(1, d));
  const tensorType = new Writer().int(1, 1).msg(2, shape);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

export function buildOnnx(nodes: OnnxNode[], inits: OnnxInitializer[], input: { name: string; dims: number[] }, output: { name: string; dims: number[] }): Uint8Array {
  const g = new Writer();
  nodes.forEach((n, i) => {
    const w = new Writer();
    for (const s of n.inputs) w.str(1, s);
    for (const s of n.outputs) w.str(2, s);
    w.str(3, `n${i}`).str(4, n.op);
    for (const [name, v] of Object.entries(n.attrs ?? {})) {
      const a = new Writer().str(1, name);
      if (typeof v === 'number') a.int(3, v).int(20, 2);
      else if (typeof v === 'string') a.str(4, v).int(20, 3);
      else if (Array.isArray(v)) { for (const x of v) a.int(8, x); a.int(20, 7); }
      else a.float(2, v.f).int(20, 1);
      w.msg(5, a);
    }
    g.msg(1, w);
  });
  g.str(2, 'bench');
  for (const t of inits) {
    const w = new Writer();
    for (const d of t.dims) w.int(1, d);
    w.int(2, 1).str(8, t.name).bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    g.msg(5, w);
  }
  g.msg(11, valueInfo(input.name, input.dims));
  g.msg(12, valueInfo(output.name, output.dims));
  return new Writer().int(1, 8).str(2, 'conv-lens-bench').msg(7, g).msg(8, new Writer().str(1, '').int(2, 17)).done();
}
