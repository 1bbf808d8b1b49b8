// Binds a call's positional and keyword arguments to a layer's signature, as Python does, and fills defaults.
import { UNKNOWN, type ArgValue, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';

export interface BoundArgs extends LayerArgs {
  /** Every parameter of the signature with its bound value (explicit or default; UNKNOWN when neither). */
  readonly values: Readonly<Record<string, ArgValue>>;
}

function pythonNameList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length <= 1) return q.join('');
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/**
 * Binds like Python's call rules. Problems (too many positionals, unknown or repeated keywords, missing
 * required parameters) come back as `invalid-argument` issues; the unbound parameter then reads UNKNOWN.
 * `unknownTail`: the call had a *args/**kwargs splat the interpreter could not expand, so missing
 * parameters are not reported.
 */
export function bindArgs(
  spec: Pick<LayerSpec, 'type' | 'signature' | 'defaults' | 'acceptsAnyArgs' | 'initName'>,
  positional: readonly ArgValue[],
  keywords: Readonly<Record<string, ArgValue>>,
  options: { unknownTail?: boolean } = {},
): { args: BoundArgs; issues: LayerIssue[] } {
  const issues: LayerIssue[] = [];
  const values = new Map<string, ArgValue>();
  const given = new Set<string>();
  const isModule = !spec.type.includes('.');
  // Only issues name it: built when one is reported.
  const whereOf = (): string => (isModule ? `${spec.initName ?? spec.type}.__init__()` : `${spec.type.split('.').pop() ?? spec.type}()`);
  for (let i = 0; i < positional.length; i++) {
    const name = spec.signature[i];
    if (name === undefined) continue;
    values.set(name, positional[i] as ArgValue);
    given.add(name);
  }
  if (positional.length > spec.signature.length && !spec.acceptsAnyArgs) {
    issues.push({
      code: 'invalid-argument',
      severity: 'error',
      message: `${spec.type} takes at most ${spec.signature.length} positional arguments (${spec.signature.join(', ')}) but ${positional.length} were given`,
    });
  }
  for (const [name, v] of Object.entries(keywords)) {
    if (!spec.signature.includes(name)) {
      // Kept for rules that read them by name (einops' axis lengths); nothing reports them.
      if (spec.acceptsAnyArgs) {
        // `__proto__=` never was a readable key of the record these were kept in.
        if (name !== '__proto__') values.set(name, v);
        given.add(name);
        continue;
      }
      const issue: LayerIssue = {
        code: 'invalid-argument',
        severity: 'error',
        message: `${spec.type} has no parameter '${name}'; its parameters are ${spec.signature.join(', ')}`,
        arg: name,
      };
      if (isModule) issue.pytorch = `${whereOf()} got an unexpected keyword argument '${name}'`;
      issues.push(issue);
      continue;
    }
    if (given.has(name)) {
      const issue: LayerIssue = {
        code: 'invalid-argument',
        severity: 'error',
        message: `${spec.type} gets '${name}' twice, positionally and by keyword`,
        arg: name,
      };
      if (isModule) issue.pytorch = `${whereOf()} got multiple values for argument '${name}'`;
      issues.push(issue);
    }
    values.set(name, v);
    given.add(name);
  }
  const missing: string[] = [];
  for (const name of spec.signature) {
    if (given.has(name)) continue;
    if (Object.prototype.hasOwnProperty.call(spec.defaults, name)) values.set(name, spec.defaults[name] as ArgValue);
    else {
      values.set(name, UNKNOWN);
      missing.push(name);
    }
  }
  if (missing.length > 0 && !options.unknownTail) {
    const s = missing.length === 1 ? '' : 's';
    const issue: LayerIssue = {
      code: 'invalid-argument',
      severity: 'error',
      message: `${spec.type} needs ${missing.join(' and ')}: add the missing argument${s}`,
    };
    if (isModule) issue.pytorch = `${whereOf()} missing ${missing.length} required positional argument${s}: ${pythonNameList(missing)}`;
    issues.push(issue);
  }
  return { args: new RuleArgs(spec.type, values, given), issues };
}

/** Bound arguments (one per layer built or function applied: a class, not closures). */
class RuleArgs implements BoundArgs {
  constructor(
    readonly type: string,
    private readonly bound: ReadonlyMap<string, ArgValue>,
    private readonly written: ReadonlySet<string>,
  ) {}

  get values(): Readonly<Record<string, ArgValue>> {
    const out: Record<string, ArgValue> = {};
    for (const [name, v] of this.bound) Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }

  get(name: string): ArgValue {
    const v = this.bound.get(name);
    // A value may be undefined (a rule's default, or an interpolate call's missing size): it is returned as such.
    return v !== undefined || this.bound.has(name) ? (v as ArgValue) : UNKNOWN;
  }

  given(name: string): boolean {
    return this.written.has(name);
  }
}
