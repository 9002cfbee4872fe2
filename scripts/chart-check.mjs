// Part of scripts/chart-check: validates the rendered Prometheus Operator objects with kubernetes-models (the
// operator's CRD schemas, compiled), and checks that the chart says what the repository says: its config files are
// config/'s, its canonical topics are the topic table's, and its Debezium connector routes as the local stack's.
// Usage: node scripts/chart-check.mjs rendered.yaml…
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

const chart = 'deploy/helm/integration-hub';
const models = { 'monitoring.coreos.com/v1': { PrometheusRule, ServiceMonitor } };
const problems = [];
let validated = 0;

const rendered = process.argv.slice(2).map((file) => ({
  file,
  objects: parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS())
    .filter(Boolean),
}));

for (const { file, objects } of rendered) {
  for (const object of objects) {
    const Model = models[object.apiVersion]?.[object.kind];
    if (!Model) continue;
    try {
      new Model(object).validate();
      validated++;
    } catch (error) {
      problems.push(`${file}: ${object.kind} ${object.metadata?.name}: ${error.message}`);
    }
  }
}

// The ConfigMap's files are the repository's config/ files (the chart cannot read outside its folder).
for (const name of ['ownership.yaml', 'salesforce-mapping.yaml']) {
  if (readFileSync(`${chart}/files/${name}`, 'utf8') !== readFileSync(`config/${name}`, 'utf8')) {
    problems.push(`${chart}/files/${name} differs from config/${name}: cp config/${name} ${chart}/files/`);
  }
}

// The canonical topics of values.yaml are the topic table's (libs/canonical/src/topics.ts), in its order.
const require = createRequire(import.meta.url);
require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
const { CANONICAL_TOPICS } = require('../libs/canonical/src/topics.ts');
const table = Object.entries(CANONICAL_TOPICS).map(([name, t]) => ({
  name,
  partitions: t.partitions,
  compacted: t.compacted,
}));
const topicsOf = (objects) =>
  objects
    .filter((o) => o.kind === 'KafkaTopic' && /\.v1$/.test(o.spec.topicName))
    .map((o) => ({
      name: o.spec.topicName.replace(/^hub\./, '').replace(/\.v1$/, ''),
      partitions: o.spec.partitions,
      compacted: o.spec.config['cleanup.policy'] === 'compact',
    }));
for (const { file, objects } of rendered) {
  const topics = topicsOf(objects);
  if (topics.length && JSON.stringify(topics) !== JSON.stringify(table)) {
    problems.push(
      `${file}: the KafkaTopics are not the topic table's:\n    chart ${JSON.stringify(topics)}\n    table ${JSON.stringify(table)}`,
    );
  }
}

// The connector routes as scripts/stack.d/odoo-connector.json; only where it connects differs.
const local = JSON.parse(readFileSync('scripts/stack.d/odoo-connector.json', 'utf8'));
const connection = new Set([
  'database.hostname',
  'database.port',
  'database.user',
  'database.password',
  'database.dbname',
]);
for (const { file, objects } of rendered) {
  for (const connector of objects.filter((o) => o.kind === 'KafkaConnector')) {
    const config = {
      ...connector.spec.config,
      'connector.class': connector.spec.class,
      'tasks.max': String(connector.spec.tasksMax),
    };
    for (const key of new Set([...Object.keys(local), ...Object.keys(config)])) {
      if (connection.has(key)) continue;
      if (String(config[key]) !== String(local[key])) {
        problems.push(
          `${file}: connector ${key} is ${JSON.stringify(config[key])}, the local stack's ${JSON.stringify(local[key])}`,
        );
      }
    }
    if (!/^\$\{(secrets|env):/.test(config['database.password'])) {
      problems.push(`${file}: the connector's database.password is not read through a config provider`);
    }
  }
}

// Every alert rule and dashboard query parses as PromQL (test/integration/observability-rules.int-spec.ts checks that
// each reads metric families the apps really expose).
const { shippedExpressions, parsePromql } = require('./lib/observability-exprs.ts');
let expressions = 0;
for (const { file, objects } of rendered) {
  let shipped = [];
  try {
    shipped = shippedExpressions(objects);
  } catch (error) {
    problems.push(`${file}: a dashboard is not JSON: ${error.message}`);
  }
  for (const { where, expr } of shipped) {
    expressions++;
    for (const error of parsePromql(expr).errors) problems.push(`${file}: ${where}: PromQL does not parse ${error}`);
  }
}

if (problems.length) {
  process.stderr.write(`chart-check:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
console.log(
  `${validated} Prometheus Operator objects valid; ${expressions} alert and dashboard expressions parse; config files, topics and connector match the repository`,
);
