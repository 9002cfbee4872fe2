/**
 * The PromQL the chart ships, and what it reads: every alert rule's expression (the rendered PrometheusRule) and every
 * dashboard panel's query (the rendered dashboard ConfigMaps), each parsed with Prometheus's own grammar
 * (@prometheus-io/lezer-promql). scripts/chart-check uses it to refuse an expression that does not parse; the
 * observability-rules integration test, to refuse one that reads a metric family no app exposes.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface ShippedExpression {
  /** Where it is, for a failure message: `alert HubBreakerOpen`, `dashboard hub-pipeline.json, panel "Breakers"`. */
  where: string;
  expr: string;
}

export interface Selector {
  /** The series' name (`hub_breaker_state`, `hub_record_freshness_seconds_bucket`). */
  metric: string;
  /** The label names its matchers and the enclosing aggregations' `by (…)` name. */
  labels: string[];
}

export interface ParsedExpression {
  /** Syntax errors, as `at <offset>: <the text from there>`; empty when it parses. */
  errors: string[];
  selectors: Selector[];
}

interface K8sObject {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { groups?: { name: string; rules?: { alert?: string; record?: string; expr: string }[] }[] };
  data?: Record<string, string>;
}

interface Dashboard {
  panels?: { title?: string; targets?: { expr?: string }[]; panels?: Dashboard['panels'] }[];
}

/** The expressions of rendered manifests: PrometheusRules' rules and the panels of ConfigMaps holding dashboards. */
export function shippedExpressions(objects: K8sObject[]): ShippedExpression[] {
  const found: ShippedExpression[] = [];
  for (const o of objects) {
    if (o.kind === 'PrometheusRule') {
      for (const group of o.spec?.groups ?? []) {
        for (const rule of group.rules ?? []) {
          found.push({ where: rule.alert ? `alert ${rule.alert}` : `rule ${rule.record}`, expr: rule.expr });
        }
      }
    }
    if (o.kind === 'ConfigMap') {
      for (const [file, text] of Object.entries(o.data ?? {})) {
        if (!file.endsWith('.json')) continue;
        const walk = (panels: Dashboard['panels']) => {
          for (const panel of panels ?? []) {
            for (const target of panel.targets ?? []) {
              if (target.expr) found.push({ where: `dashboard ${file}, panel "${panel.title}"`, expr: target.expr });
            }
            walk(panel.panels);
          }
        };
        walk((JSON.parse(text) as Dashboard).panels);
      }
    }
  }
  return found;
}

/** Parses one expression: its syntax errors, and the series it selects with the labels it relies on. */
export function parsePromql(expr: string): ParsedExpression {
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const grouping: string[][] = [];
  const cursor = parser.parse(expr).cursor();
  // A depth-first walk; `by (…)` labels of an aggregation apply to the selectors inside it.
  const visit = (): void => {
    if (cursor.type.isError) errors.push(`at ${cursor.from}: ${expr.slice(cursor.from, cursor.from + 40) || '(end)'}`);
    if (cursor.name === 'AggregateExpr') {
      const labels: string[] = [];
      const inner = cursor.node.getChild('AggregateModifier');
      const by = inner?.getChild('By') ? inner.getChild('GroupingLabels') : null;
      for (const l of by?.getChildren('LabelName') ?? []) labels.push(expr.slice(l.from, l.to));
      grouping.push(labels);
      descend();
      grouping.pop();
      return;
    }
    if (cursor.name === 'VectorSelector') {
      const id = cursor.node.getChild('Identifier');
      const labels = new Set(grouping.flat());
      const matchers = cursor.node.getChild('LabelMatchers');
      for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        const name = m.getChild('LabelName');
        if (name) labels.add(expr.slice(name.from, name.to));
      }
      if (id) selectors.push({ metric: expr.slice(id.from, id.to), labels: [...labels] });
    }
    descend();
  };
  const descend = (): void => {
    if (!cursor.firstChild()) return;
    do visit();
    while (cursor.nextSibling());
    cursor.parent();
  };
  visit();
  return { errors, selectors };
}
