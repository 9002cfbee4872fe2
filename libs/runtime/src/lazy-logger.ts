import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

const LEVELS: ReadonlySet<string> = new Set<Level>(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = () => undefined;

/**
 * A child logger that costs nothing until it writes. `parent.child(bindings)` is cheap for one logger but not for one
 * per record: pino serializes the bindings and sets up every level method of the child each time (profiled at about
 * 50 µs a record in odoo-cdc), and a projector with a backlog held tens of thousands of them. This one answers a
 * call at a disabled level from the parent's level, and makes the real child only for the first line it writes, or
 * when asked for something only a real logger has. A child of it merges the bindings and stays lazy.
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let real: Logger | undefined;
  const materialize = () => (real ??= parent.child(bindings));
  return new Proxy(parent, {
    get(target, property) {
      if (real === undefined) {
        if (typeof property === 'string' && LEVELS.has(property) && !target.isLevelEnabled(property)) return noop;
        if (property === 'isLevelEnabled' || property === 'level' || property === 'levelVal') {
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        if (property === 'bindings') return () => ({ ...target.bindings(), ...bindings });
        if (property === 'child') {
          return (more: Bindings, options?: ChildLoggerOptions) =>
            options === undefined ? lazyChild(target, { ...bindings, ...more }) : materialize().child(more, options);
        }
      }
      const logger = materialize();
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === 'function' ? value.bind(logger) : value;
    },
    set(_target, property, value) {
      return Reflect.set(materialize(), property, value);
    },
  });
}
