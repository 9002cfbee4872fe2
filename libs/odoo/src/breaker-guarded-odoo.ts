import type { TargetBreaker } from '@hub/resilience';
import { OdooDomain, OdooPort, OdooRecord, OdooValues, SearchReadOptions } from './odoo.port';

/**
 * Every Odoo call through the breaker of this Odoo database, so Odoo down opens it and the runner pauses consumption
 * (instead of every record burning its retries). Per call, not per handler: a record deferred for its customer is
 * not Odoo failing.
 */
export class BreakerGuardedOdoo extends OdooPort {
  constructor(
    private readonly odoo: OdooPort,
    private readonly breaker: TargetBreaker,
  ) {
    super();
  }

  uid(): Promise<number> {
    return this.breaker.fire(() => this.odoo.uid());
  }

  searchRead(model: string, domain: OdooDomain, fields: string[], options?: SearchReadOptions): Promise<OdooRecord[]> {
    return this.breaker.fire(() => this.odoo.searchRead(model, domain, fields, options));
  }

  create(model: string, values: OdooValues, context?: Record<string, unknown>): Promise<number> {
    return this.breaker.fire(() => this.odoo.create(model, values, context));
  }

  write(model: string, ids: number[], values: OdooValues, context?: Record<string, unknown>): Promise<void> {
    return this.breaker.fire(() => this.odoo.write(model, ids, values, context));
  }

  load(model: string, fields: string[], rows: string[][], context?: Record<string, unknown>): Promise<number[]> {
    return this.breaker.fire(() => this.odoo.load(model, fields, rows, context));
  }

  callMethod(model: string, method: string, ids: number[], args?: Record<string, unknown>): Promise<unknown> {
    return this.breaker.fire(() => this.odoo.callMethod(model, method, ids, args));
  }
}
