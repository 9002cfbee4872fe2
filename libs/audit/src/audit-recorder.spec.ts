import { AuditRecorder, targetName } from './audit-recorder';
import type { AuditRow } from './audit-trail.repository';
import { FieldHasher } from './field-hasher';

class MemoryTrail {
  rows: AuditRow[] = [];
  failures = 0;
  async append(rows: readonly AuditRow[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connection refused');
    }
    this.rows.push(...rows);
  }
}

const write = {
  object: 'res.partner',
  externalId: 'hub.salesforce_account_001A',
  targetId: '42',
  aliases: ['001A', 'salesforce-account-001A'],
  fields: { email: 'ada@example.test', phone: '+44 20 7946 0958' },
  outcome: 'applied' as const,
};

describe('AuditRecorder', () => {
  const hasher = new FieldHasher('k'.repeat(32));

  it('stores names and hashes, never values, and names the record by all its ids', async () => {
    const trail = new MemoryTrail();
    await new AuditRecorder(trail, hasher, 'projector-odoo').writes('odoo', [write]);
    const [row] = trail.rows;
    expect(row.recordIds).toEqual(['hub.salesforce_account_001A', 'res.partner/42', '001A', 'salesforce-account-001A']);
    expect(row.fields.map((f) => f.name)).toEqual(['email', 'phone']);
    expect(JSON.stringify(row)).not.toMatch(/ada@example|7946/);
  });

  it('retries an append that is refused, then logs the entries without values and answers false', async () => {
    const trail = new MemoryTrail();
    const log = { error: jest.fn() };
    const recorder = new AuditRecorder(trail, hasher, 'projector-odoo');
    trail.failures = 2;
    expect(await recorder.writesOrLog('odoo', [write], log, [1, 1])).toBe(true);
    expect(trail.rows).toHaveLength(1);
    trail.failures = 3;
    expect(await recorder.writesOrLog('odoo', [write], log, [1, 1])).toBe(false);
    expect(log.error).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify(log.error.mock.calls[0]);
    expect(logged).toContain('hub.salesforce_account_001A');
    expect(logged).toContain('"email"');
    expect(logged).not.toMatch(/ada@example|7946/);
  });

  it('qualifies a bare numeric target id by its object', () => {
    expect(targetName('sale.order', '42')).toBe('sale.order/42');
    expect(targetName('Order', '801000000000001AAA')).toBe('801000000000001AAA');
    expect(targetName('Order', null)).toBeNull();
  });
});
