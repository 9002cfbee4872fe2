import { parsePromql, shippedExpressions } from './observability-exprs';

describe('parsePromql', () => {
  it('finds each selected series with its matchers’ labels and the labels the aggregations group it by', () => {
    const parsed = parsePromql(
      'histogram_quantile(0.99, sum by (app, le) (rate(hub_record_freshness_seconds_bucket{namespace="hub"}[10m]))) > 60 and on() max(hub_consumer_up) == 0',
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.selectors).toEqual([
      { metric: 'hub_record_freshness_seconds_bucket', labels: ['app', 'le', 'namespace'] },
      { metric: 'hub_consumer_up', labels: [] },
    ]);
  });

  it('reports where an expression stops parsing', () => {
    expect(parsePromql('sum(rate(hub_x_total[5m]) by').errors).toEqual(['at 26: by']);
    expect(parsePromql('hub_x{app=}').errors).not.toEqual([]);
  });
});

describe('shippedExpressions', () => {
  it('reads the alert rules of a PrometheusRule and the panel queries of a dashboard ConfigMap, naming each', () => {
    const dashboard = { panels: [{ title: 'Lag', targets: [{ expr: 'hub_consumer_lag_records' }] }] };
    expect(
      shippedExpressions([
        { kind: 'PrometheusRule', spec: { groups: [{ name: 'g', rules: [{ alert: 'HubDown', expr: 'up == 0' }] }] } },
        { kind: 'ConfigMap', data: { 'pipeline.json': JSON.stringify(dashboard), 'notes.txt': 'x' } },
        { kind: 'Service' },
      ]),
    ).toEqual([
      { where: 'alert HubDown', expr: 'up == 0' },
      { where: 'dashboard pipeline.json, panel "Lag"', expr: 'hub_consumer_lag_records' },
    ]);
  });
});
