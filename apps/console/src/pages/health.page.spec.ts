import type { ServiceStatus } from '../upstream/hub-services.client';
import { formatAge, glanceOf, healthPage } from './health.page';

const status = (over: Partial<ServiceStatus>): ServiceStatus => ({
  service: 'projector-salesforce',
  url: 'http://projector-salesforce:3102',
  status: 'ok',
  checks: {},
  metrics: [],
  ...over,
});

describe('health page', () => {
  it('formats a wait in the unit that keeps it readable', () => {
    expect(formatAge(null)).toBe('—');
    expect(formatAge(45)).toBe('45 s');
    expect(formatAge(720)).toBe('12 min');
    expect(formatAge(12_600)).toBe('3.5 h');
    expect(formatAge(172_800)).toBe('2.0 d');
  });

  it("reads a service's breaker, lag, capture and API budget from its readiness and metrics", () => {
    const g = glanceOf(
      status({
        checks: { consumer: { status: 'up', breaker: 'open' }, capture: { status: 'down', message: 'slot gone' } },
        metrics: [
          { name: 'hub_consumer_lag', labels: { topic: 'a' }, value: 3 },
          { name: 'hub_consumer_lag', labels: { topic: 'b' }, value: 4 },
          { name: 'hub_cdc_replication_slot_lag_bytes', labels: { slot: 's' }, value: NaN },
          { name: 'hub_cdc_replication_slot_present', labels: { slot: 's' }, value: 0 },
          { name: 'hub_cdc_connector_state', labels: { state: 'RUNNING' }, value: 0 },
          { name: 'hub_cdc_connector_state', labels: { state: 'FAILED' }, value: 1 },
          { name: 'hub_salesforce_api_usage', labels: { kind: 'used' }, value: 120 },
          { name: 'hub_salesforce_api_usage', labels: { kind: 'max' }, value: 15_000 },
        ],
      }),
    );
    expect(g).toEqual({
      service: 'projector-salesforce',
      status: 'ok',
      breaker: 'open',
      lag: 7,
      slotPresent: false,
      capture: 'FAILED',
      apiBudget: { used: 120, max: 15_000 },
      down: ['capture (slot gone)'],
    });
  });

  it('leaves out what a service does not report', () => {
    expect(glanceOf(status({ checks: { consumer: { status: 'up', breaker: 'none' } } }))).toEqual({
      service: 'projector-salesforce',
      status: 'ok',
      down: [],
    });
  });

  it("shows each service's figures, escaped, and says which cannot be reached", () => {
    const page = healthPage(
      [
        {
          service: 'projector-odoo',
          status: 'ok',
          figures: [
            {
              metric: 'hub_business_salesforce_orders_awaiting_erp',
              labels: {},
              title: 'Salesforce orders <awaiting> ERP acceptance',
              count: 2,
              oldestAgeSeconds: 90,
            },
          ],
          notes: [],
        },
        { service: 'ingress', status: 'none', figures: [], notes: [] },
        { service: 'projector-support', status: 'unreachable', figures: [], notes: [], problem: 'ECONNREFUSED' },
      ],
      [],
    ).value;
    expect(page).toContain('Salesforce orders &lt;awaiting&gt; ERP acceptance');
    expect(page).toContain('<strong>2</strong>');
    expect(page).toContain('2 min');
    expect(page).toContain('unreachable: ECONNREFUSED');
    expect(page).not.toContain('ingress');
  });
});
