/**
 * Binding a call's arguments to a model method's Python signature, with Python's own error messages: JSON-RPC
 * calls the method with `*args, **kwargs` (a mismatch is the TypeError of the call), JSON-2 checks the named
 * arguments with `inspect.signature(...).bind` first (a mismatch is a 422 carrying bind's message).
 */
import { PythonError } from '../odoo.errors';

export interface Parameter {
  name: string;
  /** Absent: the argument is required. */
  default?: unknown;
}

export interface MethodSignature {
  /** The Python qualified name Python 3.10+ prints in call errors, e.g. `BaseModel.write`. */
  qualifiedName: string;
  /** The parameters after `self`. */
  parameters: readonly Parameter[];
  /** Accepts extra keyword arguments (`**kwargs`). */
  varKeywords?: boolean;
  /** Other spellings accepted for a parameter (a name renamed between versions). */
  aliases?: Readonly<Record<string, string>>;
}

export type BindStyle = 'call' | 'bind';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Returns the arguments by parameter name (defaults filled in, extra keywords kept when `**kwargs`), or throws a
 * TypeError worded as Python words it for the given style.
 */
export function bindArguments(
  signature: MethodSignature,
  positional: readonly unknown[],
  keywords: Readonly<Record<string, unknown>>,
  style: BindStyle,
): Record<string, unknown> {
  const { parameters, qualifiedName } = signature;
  const fail = (callMessage: string, bindMessage: string): never => {
    throw new PythonError('TypeError', style === 'call' ? `${qualifiedName}() ${callMessage}` : bindMessage);
  };
  if (positional.length > parameters.length) {
    const required = parameters.filter((p) => !('default' in p)).length + 1;
    const max = parameters.length + 1;
    const takes = required === max ? `${max}` : `from ${required} to ${max}`;
    fail(
      `takes ${takes} positional argument${max === 1 ? '' : 's'} but ${positional.length + 1} were given`,
      'too many positional arguments',
    );
  }
  const bound: Record<string, unknown> = {};
  positional.forEach((value, i) => (bound[(parameters[i] as Parameter).name] = value));
  const names = new Set(parameters.map((p) => p.name));
  for (const [rawKey, value] of Object.entries(keywords)) {
    const key = signature.aliases?.[rawKey] ?? rawKey;
    if (!names.has(key)) {
      if (signature.varKeywords) {
        bound[key] = value;
        continue;
      }
      fail(`got an unexpected keyword argument '${rawKey}'`, `got an unexpected keyword argument '${rawKey}'`);
    }
    if (key in bound) fail(`got multiple values for argument '${key}'`, `multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = parameters.filter((p) => !(p.name in bound) && !('default' in p)).map((p) => p.name);
  if (missing.length) {
    const list =
      missing.length === 1
        ? `'${missing[0]}'`
        : `${missing
            .slice(0, -1)
            .map((m) => `'${m}'`)
            .join(', ')} and '${missing[missing.length - 1]}'`;
    fail(
      `missing ${plural(missing.length, 'required positional argument')}: ${list}`,
      `missing a required argument: '${missing[0]}'`,
    );
  }
  for (const p of parameters) if (!(p.name in bound)) bound[p.name] = p.default;
  return bound;
}
