// `x.view(-1, 400)` on a line of its own: view/reshape/flatten/permute/... return a new tensor and leave x as it was,
// so the statement does nothing and the next layer gets the old x. Reported on the statement itself, with the fix
// that assigns the result; the tensor remembers it so a mismatch it causes downstream offers no misleading fix.
import { child, rangeOf, type SyntaxNode } from '../syntax';
import type { Range } from '../types';
import type { Analyzer } from './analyzer';
import type { Scope, TensorValue, Value } from './values';

/** Tensor methods that return a new tensor (their in-place forms end in `_`). */
const NEW_TENSOR_METHODS = new Set([
  'view', 'view_as', 'reshape', 'reshape_as', 'flatten', 'unflatten', 'permute', 'transpose', 'swapaxes', 't',
  'contiguous', 'squeeze', 'unsqueeze', 'expand', 'expand_as', 'repeat', 'narrow', 'float', 'double', 'half', 'to',
  'relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'clamp', 'detach', 'clone', 'mean', 'sum',
]);

/** torch / torch.nn.functional functions that return a new tensor unless given inplace=True. */
const NEW_TENSOR_FUNCTIONS = /^(?:torch\.|F\.|nn\.functional\.|torch\.nn\.functional\.)(?:flatten|reshape|permute|transpose|squeeze|unsqueeze|relu|sigmoid|tanh|softmax|log_softmax|gelu|silu|leaky_relu|dropout|max_pool2d|avg_pool2d|adaptive_avg_pool2d|interpolate|pad)$/;

export interface Discarded {
  range: Range;
  text: string;
}

/** Checks an expression statement whose value is not used; `value` is what it evaluated to. */
export function checkDiscardedResult(a: Analyzer, stmt: SyntaxNode, expr: SyntaxNode, value: Value, scope: Scope): void {
  // Another file's code (an import) is that file's to report.
  if (expr.type !== 'call' || value.k !== 'tensor' || stmt.file !== undefined) return;
  const fn = child(expr, 'function');
  if (!fn) return;
  let target: SyntaxNode | undefined;
  const receiver = fn.type === 'attribute' ? child(fn, 'object') : undefined;
  if (receiver?.type === 'identifier' && NEW_TENSOR_METHODS.has(child(fn, 'attribute')?.text ?? '') && scope.lookup(receiver.text)?.k === 'tensor') {
    target = receiver;
  } else if (NEW_TENSOR_FUNCTIONS.test(textOf(a, fn))) {
    const args = child(expr, 'arguments');
    if (!args || args.children.some((c) => c.type === 'keyword_argument' && child(c, 'name')?.text === 'inplace')) return;
    target = args.children[0];
  }
  // Only a plain variable: looking it up has no side effects, and `x = ...` is then the fix.
  if (target?.type !== 'identifier') return;
  const x = scope.lookup(target.text);
  if (x?.k !== 'tensor') return;
  const name = target.text;
  const call = textOf(a, expr);
  const range = rangeOf(stmt);
  a.report({
    code: 'discarded-result', severity: 'warning', range,
    message: `${call} returns a new tensor and leaves ${name} unchanged: its result is thrown away here. Assign it: ${name} = ${call}`,
    fixes: [{ title: `Assign the result: ${name} = ${call}`, edits: [{ range: { ...range, end: range.start, endOffset: range.startOffset }, newText: `${name} = ` }], preferred: true }],
  });
  if (!a.uncertain) (x as TensorValue).discarded = { range, text: call };
}

function textOf(a: Analyzer, n: SyntaxNode): string {
  return a.source.slice(n.start, n.end);
}
