#!/usr/bin/env node
// Offline check of the sample Grafana dashboard (run by ctest as "grafana_dashboard", label
// deploy):
//
//   node tests/deploy/check_grafana_dashboard.mjs [DASHBOARD.json]
//
// 1. The file parses as JSON and looks like a Grafana dashboard model: a title and uid, a
//    schemaVersion, a Prometheus data-source variable that every panel and query uses,
//    unique panel ids, and a grid position for each panel.
// 2. Every metric a query names is one the services export. The exported names are read
//    from the sources: the counters and histograms registered with AddCounter/AddHistogram
//    and the gauges reported through GaugeSink::Set (services/**/*.cc); a histogram also
//    exports <name>_bucket, <name>_sum and <name>_count.
// Exits 1 with one line per problem, 0 when the dashboard is clean.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const file = path.resolve(process.argv[2] ?? path.join(root, 'deploy/grafana/sixsteps-hub.json'));
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// ---- What the services export ----

function sources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(p));
    else if (/\.(cc|h)$/.test(entry.name)) out.push(p);
  }
  return out;
}

const exported = new Set();
for (const source of sources(path.join(root, 'services'))) {
  const text = fs.readFileSync(source, 'utf8');
  for (const m of text.matchAll(/\bAddCounter\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) exported.add(m[1]);
  for (const m of text.matchAll(/\bAddHistogram\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) {
    for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m[1] + suffix);
  }
  for (const m of text.matchAll(/\.Set\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) exported.add(m[1]);
}
if (exported.size === 0) problem('services', 'no metric registrations found: has the registry API changed?');

// ---- Metric names in a PromQL expression ----

// PromQL words that are not metric names: functions, aggregations, keywords.
const promqlWords = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk',
  'topk', 'quantile', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool',
  'and', 'or', 'unless', 'offset', 'inf', 'nan', 'abs', 'absent', 'absent_over_time', 'ceil',
  'changes', 'clamp', 'clamp_max', 'clamp_min', 'delta', 'deriv', 'exp', 'floor',
  'histogram_quantile', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln',
  'log2', 'log10', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort',
  'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time',
]);

function metricNames(expr) {
  const names = new Set();
  // Drop what cannot hold a metric name: strings, label matchers and grouping lists in
  // braces or after by/without, range selectors, and Grafana variables.
  let text = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  for (const m of text.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w.])/g)) {
    const word = m[1];
    const rest = text.slice(m.index + word.length);
    if (promqlWords.has(word.toLowerCase())) continue;
    if (/^\s*\(/.test(rest)) continue; // a function call
    names.add(word);
  }
  return names;
}

// ---- The dashboard ----

let dashboard;
try {
  dashboard = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}
if (typeof dashboard.title !== 'string' || dashboard.title === '') problem('dashboard', 'has no title');
if (typeof dashboard.uid !== 'string' || dashboard.uid === '') problem('dashboard', 'has no uid');
if (!(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36)) {
  problem('dashboard', `schemaVersion ${dashboard.schemaVersion}: want a number of at least 36`);
}
const variables = dashboard.templating?.list ?? [];
const dsVariable = variables.find((v) => v.type === 'datasource' && v.query === 'prometheus');
if (!dsVariable) problem('templating', 'no Prometheus data-source variable (type datasource, query prometheus)');
const dsRef = dsVariable ? `\${${dsVariable.name}}` : null;
const usesVariable = (ds) => ds && ds.type === 'prometheus' && ds.uid === dsRef;
for (const v of variables.filter((v) => v.type === 'query')) {
  if (!usesVariable(v.datasource)) problem(`variable ${v.name}`, `does not query the data source ${dsRef}`);
  const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
  for (const m of q.matchAll(/label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/g)) {
    if (!exported.has(m[1])) problem(`variable ${v.name}`, `names ${m[1]}, which no service exports`);
  }
}

const panels = [];
for (const p of dashboard.panels ?? []) {
  panels.push(p);
  for (const inner of p.panels ?? []) panels.push(inner);
}
if (panels.filter((p) => p.type !== 'row').length === 0) problem('dashboard', 'has no panels');
const ids = new Set();
let expressions = 0;
const used = new Set();
for (const p of panels) {
  const where = `panel ${p.id} "${p.title}"`;
  if (!Number.isInteger(p.id)) problem(where, 'has no numeric id');
  else if (ids.has(p.id)) problem(where, 'repeats another panel\'s id');
  ids.add(p.id);
  const g = p.gridPos;
  if (!g || ![g.x, g.y, g.w, g.h].every(Number.isInteger) || g.x + g.w > 24) problem(where, 'needs a gridPos within 24 columns');
  if (p.type === 'row') continue;
  if (!usesVariable(p.datasource)) problem(where, `does not use the data source ${dsRef}`);
  const targets = p.targets ?? [];
  if (targets.length === 0) problem(where, 'has no queries');
  for (const t of targets) {
    if (!usesVariable(t.datasource)) problem(`${where} query ${t.refId}`, `does not use the data source ${dsRef}`);
    if (typeof t.expr !== 'string' || t.expr.trim() === '') { problem(`${where} query ${t.refId}`, 'has no expr'); continue; }
    expressions++;
    const names = metricNames(t.expr);
    if (names.size === 0) problem(`${where} query ${t.refId}`, `names no metric: ${t.expr}`);
    for (const name of names) {
      used.add(name);
      if (!exported.has(name)) problem(`${where} query ${t.refId}`, `names ${name}, which no service exports (${t.expr})`);
    }
  }
}

const rel = path.relative(process.cwd(), file) || file;
if (problems.length > 0) {
  console.error(`${problems.length} problem(s) in ${rel}:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`${rel}: ${panels.filter((p) => p.type !== 'row').length} panels, ${expressions} queries over ${used.size} metrics ` +
  `(${[...used].sort().join(', ')}), all exported by the services: ok`);
