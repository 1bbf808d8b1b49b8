// Whether some path in the file could use a layer that one forward run did not use. "Never used" is only true when
// no code can reach the layer: not when forward skips it on a branch this instance does not take (`if predict:`),
// nor when other code reaches it by name (`getattr(self, 'head')`, `self._modules['head']`, a stored method, a
// list built in __init__, training code calling `model.head(...)`).
import type { SyntaxNode } from '../syntax';
import { findClassAttr } from './interpreter';
import type { ClassValue } from './values';

/** Access to a module's children by computed name or by iteration: any child may be used. */
const DYNAMIC_ACCESS = /getattr\(\s*self\s*,|self\.__getattr__|self\._modules\b|self\.(?:named_)?(?:children|modules)\s*\(|self\.get_submodule\s*\(|self\.__dict__|vars\(\s*self\s*\)|\bfor\s+\w+\s+in\s+self\s*:|iter\(\s*self\s*\)/;

export class LayerReach {
  private readonly dynamicByClass = new Map<ClassValue, boolean>();

  constructor(private readonly source: string) {}

  /** True when some code other than the assignment itself names the layer, or reaches children dynamically. */
  mayBeUsed(cls: ClassValue, name: string): boolean {
    if (this.hasSyntaxError(cls) || this.reachesChildrenDynamically(cls)) return true;
    return this.namedElsewhere(name);
  }

  /** A class that does not parse may use the layer in the part that did not parse. */
  private hasSyntaxError(cls: ClassValue): boolean {
    return chain(cls).some((c) => c.node.hasError);
  }

  /** Dynamic access in a method other than __init__ (where `for m in self.modules()` is weight initialisation). */
  private reachesChildrenDynamically(cls: ClassValue): boolean {
    let found = this.dynamicByClass.get(cls);
    if (found === undefined) {
      found = chain(cls).some((c) => {
        const init = findClassAttr(c, '__init__');
        const initNode = init?.k === 'func' && init.owner === c ? init.node : undefined;
        return DYNAMIC_ACCESS.test(textWithout(this.source, c.node, initNode));
      });
      this.dynamicByClass.set(cls, found);
    }
    return found;
  }

  /**
   * `.name` read anywhere in the file (not the `self.name = ...` store, not `self.name.weight` in an init call), or
   * the name as a string literal (getattr, _modules, setattr with a constant).
   */
  private namedElsewhere(name: string): boolean {
    const id = escapeRegExp(name);
    const attribute = new RegExp(`(?<!\\b(?:F|torch|nn|functional|np|numpy|math|init))\\.${id}\\b(?!\\s*=[^=])(?!\\.(?:weight|bias)\\b)`);
    const literal = new RegExp(`(['"])${id}\\1`);
    return attribute.test(this.source) || literal.test(this.source);
  }
}

/** The class and its user-defined bases (forward may be inherited). */
function chain(cls: ClassValue): ClassValue[] {
  const out: ClassValue[] = [];
  const visit = (c: ClassValue): void => {
    if (out.includes(c) || out.length > 20) return;
    out.push(c);
    for (const b of c.bases) if (b.k === 'class') visit(b);
  };
  visit(cls);
  return out;
}

function textWithout(source: string, outer: SyntaxNode, hole: SyntaxNode | undefined): string {
  if (!hole || hole.start < outer.start || hole.end > outer.end) return source.slice(outer.start, outer.end);
  return source.slice(outer.start, hole.start) + source.slice(hole.end, outer.end);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
