// A `raise` the file's own code reaches with certainty while building a model: Python stops there, so it is reported
// on the call the user wrote (the top-level statement that started the construction), with the raise as related.
import { child, rangeOf, type SyntaxNode } from '../syntax';
import type { Range } from '../types';
import type { Analyzer } from './analyzer';
import type { Scope } from './values';

/** The exception class a raise names, and its message when the analysis knows it exactly. */
export function exceptionOf(a: Analyzer, raise: SyntaxNode, scope: Scope): { type: string; message: string | undefined } | undefined {
  const expr = raise.children.find((c) => c.type !== 'comment' && c.field !== 'cause');
  if (!expr) return undefined; // a bare `raise` re-raises what an except clause caught
  const fnNode = expr.type === 'call' ? child(expr, 'function') : expr;
  const type = fnNode ? lastName(fnNode) : undefined;
  if (!type || !/^[A-Z]\w*(Error|Exception)$/.test(type)) return undefined;
  if (expr.type !== 'call') return { type, message: '' };
  const args = child(expr, 'arguments')?.children.filter((c) => c.type !== 'comment') ?? [];
  if (args.length === 0) return { type, message: '' };
  if (args.length > 1 || args[0]?.type === 'keyword_argument' || !args[0]) return { type, message: undefined };
  const v = a.interp.evalExpr(args[0], scope);
  return { type, message: v.k === 'str' ? v.v : undefined };
}

function lastName(n: SyntaxNode): string | undefined {
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') return child(n, 'attribute')?.text;
  return undefined;
}

export function reportRaise(a: Analyzer, raise: SyntaxNode, scope: Scope): void {
  // Only while the file's own statements build things: not in a forward run (its input may be a guess), not while
  // Conv Lens builds a class with its defaults to find the models (the user never made that call).
  if (a.run || !a.runningTopLevel) return;
  const exc = exceptionOf(a, raise, scope);
  if (!exc) return;
  const raiseRange = rangeOf(raise);
  const call = a.interp.frames[0]?.callSite;
  const range: Range = call ?? raiseRange;
  const callee = call ? a.source.slice(call.startOffset, call.endOffset).split('(')[0]?.trim() : undefined;
  const what = exc.message === undefined ? exc.type : exc.message ? `${exc.type}: ${exc.message}` : exc.type;
  const message = callee
    ? `${callee}(...) raises ${what} (line ${raise.startRow + 1}): Python stops there, so this model is never built`
    : `this raises ${what}: Python stops here`;
  a.report({
    code: 'raises', severity: 'error', range, message,
    related: call ? [{ range: raiseRange, message: `${exc.type} is raised here` }] : [],
  });
}
