import { parsePrometheusText } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads the samples of a prefix with their labels', () => {
    const text = [
      '# HELP hub_consumer_records Records handled.',
      '# TYPE hub_consumer_records gauge',
      'hub_consumer_records{outcome="processed",app="odoo-cdc"} 42',
      'hub_cdc_replication_slot_lag_bytes{app="odoo-cdc"} 1.5e3',
      'process_cpu_seconds_total 0.3',
      'hub_odoo{kind="say \\"hi\\""} NaN',
      '',
    ].join('\n');
    expect(parsePrometheusText(text, 'hub_')).toEqual([
      { name: 'hub_consumer_records', labels: { outcome: 'processed', app: 'odoo-cdc' }, value: 42 },
      { name: 'hub_cdc_replication_slot_lag_bytes', labels: { app: 'odoo-cdc' }, value: 1500 },
      { name: 'hub_odoo', labels: { kind: 'say "hi"' }, value: NaN },
    ]);
  });
});
