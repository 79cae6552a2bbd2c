#!/usr/bin/env node
// Offline check of the Kubernetes manifests in deploy/kubernetes (run by ctest as
// "kubernetes_manifests", label deploy):
//
//   node tests/deploy/validate_kubernetes.mjs [KUSTOMIZATION_DIR...]
//
// For the base and every overlay (or the folders given) it
//   1. renders the kustomization with `kubectl kustomize` (offline);
//   2. validates every object against the Kubernetes OpenAPI schemas with the npm package
//      kubernetes-models (types, required fields, enums, formats), and also rejects fields the
//      schema does not know (a misspelt `livenessProbe` would otherwise pass: the API server
//      drops or refuses it), using the field lists of kubernetes-models' type declarations;
//      CloudNativePG objects (no schema package offline) get a structural check of the fields
//      this project uses;
//   3. checks the project's own rules: gRPC liveness and readiness probes on the served port,
//      requests and limits, non-root and read-only containers, a Service, a
//      PodDisruptionBudget and a HorizontalPodAutoscaler per Deployment, setup Jobs hardened
//      like the services' pods, every referenced
//      ConfigMap key present, no Secret inlined (only referenced), and the NetworkPolicies
//      let each service be reached only by its callers (the matrix below), and every
//      container serves metrics on a port named "metrics" that the pod's Prometheus scrape
//      annotations name and only Prometheus may reach.
// Exits 1 with one line per problem, 0 when every rendering is clean.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(path.join(root, 'package.json'));
const modelsDir = path.dirname(require.resolve('kubernetes-models/package.json'));
const nodeModules = path.dirname(modelsDir);

const problems = [];
let currentDir = '';
function problem(where, message) {
  problems.push(`${currentDir}: ${where}: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// 1. Rendering

function kustomizations(args) {
  if (args.length > 0) return args.map((a) => path.resolve(a));
  const dirs = [path.join(root, 'deploy/kubernetes/base')];
  const overlays = path.join(root, 'deploy/kubernetes/overlays');
  for (const name of fs.readdirSync(overlays).sort()) {
    if (fs.existsSync(path.join(overlays, name, 'kustomization.yaml'))) dirs.push(path.join(overlays, name));
  }
  return dirs;
}

function render(dir) {
  try {
    return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') {
      console.error('kubectl not found: it renders the kustomizations (kubectl kustomize); install kubectl');
      process.exit(1);
    }
    problem('kubectl kustomize', (e.stderr || e.message).trim());
    return null;
  }
}

function parse(text) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problem('YAML', doc.errors.map((e) => e.message).join('; '));
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

const nameOf = (o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;

// ---------------------------------------------------------------------------------------------
// 2. Schemas

// "apps/v1" -> kubernetes-models/apps/v1; "v1" -> kubernetes-models/v1.
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  const dts = path.join(modelsDir, apiVersion, `${kind}.d.ts`);
  if (!fs.existsSync(dts)) return null;
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
  return { Class: module[kind] ?? module.default, dts };
}

// The fields of a type, from kubernetes-models' declaration files: name -> {ref, array, map}.
const declarations = new Map();
function resolveImport(fromFile, spec) {
  const file = spec.startsWith('.')
    ? path.resolve(path.dirname(fromFile), spec.replace(/\.js$/, '.d.ts'))
    : path.join(nodeModules, `${spec.replace(/\.js$/, '')}.d.ts`);
  return fs.existsSync(file) ? file : null;
}
function declaration(file) {
  if (declarations.has(file)) return declarations.get(file);
  const text = fs.readFileSync(file, 'utf8');
  const imports = new Map();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1].split(',').map((s) => s.trim())) imports.set(name, m[2]);
  }
  const interfaces = new Map();
  for (const m of text.matchAll(/export interface (\w+)(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/g)) {
    const fields = new Map();
    // Property lines sit at four spaces; a map type ("{ [key: string]: T; }") spans lines.
    for (const p of m[2].matchAll(/^ {4}"([^"]+)"\??: ([^\n]*)/gm)) {
      let type = p[2].trim();
      if (type === '{') {
        const rest = m[2].slice(p.index + p[0].length);
        const inner = /^\s*\[key: string\]: ([^;]+);/.exec(rest);
        fields.set(p[1], { map: true, ref: inner ? inner[1].trim() : null });
        continue;
      }
      type = type.replace(/;$/, '');
      const array = /^Array<(.+)>$/.exec(type);
      fields.set(p[1], { array: Boolean(array), ref: array ? array[1] : type });
    }
    interfaces.set(m[1], fields);
  }
  const result = { file, imports, interfaces };
  declarations.set(file, result);
  return result;
}
// The declaration (file and interface) behind a type name used in `decl`, or null for a scalar.
function lookup(decl, typeName) {
  if (!typeName || !/^I[A-Z]\w*$/.test(typeName)) return null;
  if (decl.interfaces.has(typeName)) return { decl, name: typeName };
  const spec = decl.imports.get(typeName);
  if (!spec) return null;
  const file = resolveImport(decl.file, spec);
  if (!file) return null;
  const target = declaration(file);
  // The imported alias (IIoK8sApiCoreV1Probe) names the file's one interface (IProbe).
  const [first] = target.interfaces.keys();
  return first ? { decl: target, name: first } : null;
}
function checkFields(value, decl, name, where, objectName) {
  if (value === null || typeof value !== 'object') return;
  const fields = decl.interfaces.get(name);
  if (!fields) return;
  for (const [key, child] of Object.entries(value)) {
    const field = fields.get(key);
    if (!field) {
      problem(objectName, `unknown field ${where}/${key} (not in the Kubernetes schema)`);
      continue;
    }
    const target = lookup(decl, field.ref);
    if (!target) continue;
    if (field.map) {
      for (const [k, v] of Object.entries(child ?? {})) checkFields(v, target.decl, target.name, `${where}/${key}/${k}`, objectName);
    } else if (field.array) {
      (Array.isArray(child) ? child : []).forEach((v, i) => checkFields(v, target.decl, target.name, `${where}/${key}/${i}`, objectName));
    } else {
      checkFields(child, target.decl, target.name, `${where}/${key}`, objectName);
    }
  }
}

// CloudNativePG's custom resources: kubernetes-models has no schema for them, so check the
// fields this project uses and reject unknown top-level ones.
const cnpg = {
  Cluster: {
    spec: ['instances', 'imageName', 'primaryUpdateStrategy', 'storage', 'walStorage', 'resources', 'postgresql',
      'affinity', 'managed', 'bootstrap', 'backup', 'monitoring', 'description', 'enableSuperuserAccess',
      'superuserSecret', 'minSyncReplicas', 'maxSyncReplicas', 'replicationSlots', 'certificates', 'env',
      'topologySpreadConstraints', 'externalClusters', 'replica', 'startDelay', 'stopDelay', 'switchoverDelay',
      'failoverDelay', 'smartShutdownTimeout', 'logLevel', 'priorityClassName', 'serviceAccountTemplate',
      'inheritedMetadata', 'plugins', 'projectedVolumeTemplate', 'ephemeralVolumeSource', 'tablespaces',
      'imagePullSecrets', 'imageCatalogRef', 'enablePDB', 'probes', 'seccompProfile', 'primaryUpdateMethod'],
    check(o) {
      const s = o.spec ?? {};
      if (!Number.isInteger(s.instances) || s.instances < 1) problem(nameOf(o), 'spec.instances must be a whole number of at least 1');
      if (typeof s.storage?.size !== 'string') problem(nameOf(o), 'spec.storage.size is required (a quantity such as 20Gi)');
      for (const [i, r] of (s.managed?.roles ?? []).entries()) {
        if (typeof r.name !== 'string') problem(nameOf(o), `spec.managed.roles[${i}].name is required`);
        if (r.ensure !== undefined && !['present', 'absent'].includes(r.ensure)) problem(nameOf(o), `spec.managed.roles[${i}].ensure must be present or absent`);
        if (r.passwordSecret !== undefined && typeof r.passwordSecret?.name !== 'string') problem(nameOf(o), `spec.managed.roles[${i}].passwordSecret.name is required`);
      }
      // Point-in-time recovery (issue #20): WAL archive and base backups, and recovery from them.
      if (s.backup !== undefined) {
        if (!/^[1-9][0-9]*[dwm]$/.test(s.backup.retentionPolicy ?? '')) problem(nameOf(o), 'spec.backup.retentionPolicy must be like "30d" (days, weeks or months)');
        checkBarmanStore(o, 'spec.backup.barmanObjectStore', s.backup.barmanObjectStore);
      }
      const external = new Map((s.externalClusters ?? []).map((c) => [c.name, c]));
      for (const [i, c] of (s.externalClusters ?? []).entries()) {
        if (typeof c.name !== 'string') problem(nameOf(o), `spec.externalClusters[${i}].name is required`);
        if (c.barmanObjectStore !== undefined) checkBarmanStore(o, `spec.externalClusters[${i}].barmanObjectStore`, c.barmanObjectStore);
      }
      const recovery = s.bootstrap?.recovery;
      if (recovery !== undefined) {
        if (!external.get(recovery.source)?.barmanObjectStore) problem(nameOf(o), `spec.bootstrap.recovery.source '${recovery.source}' names no externalClusters entry with a barmanObjectStore`);
        const target = recovery.recoveryTarget?.targetTime;
        if (target !== undefined && !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/.test(target)) {
          problem(nameOf(o), `spec.bootstrap.recovery.recoveryTarget.targetTime '${target}' is not a timestamp with a zone (YYYY-MM-DD HH:MM:SS[.ffffff]+00)`);
        }
        if (s.backup?.barmanObjectStore && s.backup.barmanObjectStore.destinationPath === external.get(recovery.source)?.barmanObjectStore?.destinationPath) {
          problem(nameOf(o), 'a recovered cluster must archive to another destinationPath than the one it recovers from');
        }
      }
    },
  },
  ScheduledBackup: {
    spec: ['schedule', 'cluster', 'immediate', 'suspend', 'backupOwnerReference', 'method', 'target', 'online', 'onlineConfiguration', 'pluginConfiguration'],
    check(o) {
      const s = o.spec ?? {};
      if (typeof s.schedule !== 'string' || s.schedule.trim().split(/\s+/).length !== 6) problem(nameOf(o), 'spec.schedule must have six fields (seconds first), e.g. "0 0 2 * * *"');
      if (typeof s.cluster?.name !== 'string') problem(nameOf(o), 'spec.cluster.name is required');
      if (s.method !== undefined && !['barmanObjectStore', 'volumeSnapshot', 'plugin'].includes(s.method)) problem(nameOf(o), `spec.method '${s.method}' is not barmanObjectStore, volumeSnapshot or plugin`);
      if (s.backupOwnerReference !== undefined && !['none', 'self', 'cluster'].includes(s.backupOwnerReference)) problem(nameOf(o), 'spec.backupOwnerReference must be none, self or cluster');
    },
  },
  Database: {
    spec: ['name', 'owner', 'cluster', 'ensure', 'template', 'encoding', 'locale', 'databaseReclaimPolicy',
      'allowConnections', 'connectionLimit', 'isTemplate', 'tablespace', 'extensions', 'schemas'],
    check(o) {
      const s = o.spec ?? {};
      for (const k of ['name', 'owner']) if (typeof s[k] !== 'string') problem(nameOf(o), `spec.${k} is required`);
      if (typeof s.cluster?.name !== 'string') problem(nameOf(o), 'spec.cluster.name is required');
    },
  },
};

// A Barman Cloud object store: where, and the credentials as Secret references only.
function checkBarmanStore(o, where, store) {
  if (!/^(s3|gs|https?):\/\/\S+$/.test(store?.destinationPath ?? '')) problem(nameOf(o), `${where}.destinationPath must be an object store URL (s3://bucket/path)`);
  for (const key of ['accessKeyId', 'secretAccessKey']) {
    const ref = store?.s3Credentials?.[key];
    if (store?.s3Credentials !== undefined && (typeof ref?.name !== 'string' || typeof ref?.key !== 'string')) problem(nameOf(o), `${where}.s3Credentials.${key} must reference a Secret (name, key)`);
  }
  for (const part of ['wal', 'data']) {
    const c = store?.[part]?.compression;
    if (c !== undefined && !['gzip', 'bzip2', 'snappy'].includes(c)) problem(nameOf(o), `${where}.${part}.compression '${c}' is not gzip, bzip2 or snappy`);
  }
}

async function validateSchema(o) {
  const where = nameOf(o);
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') problem(where, 'metadata.name is required');
  if (o.apiVersion === 'postgresql.cnpg.io/v1' && cnpg[o.kind]) {
    for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) problem(where, `unknown field /${k}`);
    for (const k of Object.keys(o.spec ?? {})) if (!cnpg[o.kind].spec.includes(k)) problem(where, `unknown field /spec/${k} (CloudNativePG ${o.kind})`);
    cnpg[o.kind].check(o);
    return 'structural';
  }
  const model = await modelClass(o.apiVersion, o.kind);
  if (!model) {
    problem(where, `no schema for ${o.apiVersion} ${o.kind} (unknown kind or API version)`);
    return null;
  }
  try {
    new model.Class(o).validate();
  } catch (e) {
    const details = (e.errors ?? []).map((x) => `${x.instancePath || '/'} ${x.message ?? x.keyword}${x.params?.missingProperty ? ` (${x.params.missingProperty})` : ''}${x.params?.allowedValues ? ` (${x.params.allowedValues.join(', ')})` : ''}`);
    problem(where, `schema: ${details.length ? details.join('; ') : e.message}`);
  }
  const decl = declaration(model.dts);
  const [top] = decl.interfaces.keys();
  checkFields(o, decl, top, '', where);
  return 'schema';
}

// ---------------------------------------------------------------------------------------------
// 3. The project's rules

const matches = (selector, labels) =>
  selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

// Expected reachability: target component -> port name -> the callers allowed, exactly.
const expected = {
  identity: { grpc: ['framework', 'assessment', 'reporting', 'notification', 'cli', 'ingress'], metrics: ['prometheus'] },
  framework: { grpc: ['assessment', 'reporting', 'cli', 'ingress'], metrics: ['prometheus'] },
  assessment: { grpc: ['reporting', 'notification', 'cli', 'ingress'], metrics: ['prometheus'] },
  reporting: { grpc: ['cli', 'ingress'], http: ['ingress'], metrics: ['prometheus'] },
  notification: { grpc: ['cli', 'ingress'], metrics: ['prometheus'] },
};

function checkProject(objects) {
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = of('Deployment');
  const namespace = (o) => o.metadata?.namespace ?? 'default';

  for (const o of of('Secret')) problem(nameOf(o), 'a Secret is inlined in the manifests: reference it and create it outside (README)');

  const configMaps = new Map(of('ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
  if (deployments.length === 0) problem('render', 'no Deployment rendered');

  for (const d of deployments) {
    const where = nameOf(d);
    const pod = d.spec?.template?.spec ?? {};
    const podLabels = d.spec?.template?.metadata?.labels ?? {};
    if (!matches(d.spec?.selector?.matchLabels, podLabels)) problem(where, 'spec.selector does not match the pod template labels');
    if (!podLabels['app.kubernetes.io/component']) problem(where, 'pod template lacks app.kubernetes.io/component');
    if (pod.automountServiceAccountToken !== false) problem(where, 'pods must not mount a Kubernetes API token (automountServiceAccountToken: false)');
    for (const c of pod.containers ?? []) {
      const cw = `${where} container ${c.name}`;
      const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
      const grpcPort = ports.get('grpc');
      if (!grpcPort) problem(cw, 'has no port named grpc');
      // Metrics: served where the container says (SIXSTEPS_METRICS_LISTEN), and the pod's
      // Prometheus scrape annotations point at that port.
      const metricsPort = ports.get('metrics');
      if (!metricsPort) problem(cw, 'has no port named metrics');
      else {
        const listen = (c.env ?? []).find((e) => e.name === 'SIXSTEPS_METRICS_LISTEN')?.value;
        if (listen !== `0.0.0.0:${metricsPort}`) problem(cw, `SIXSTEPS_METRICS_LISTEN is ${listen}, but the metrics port is ${metricsPort}`);
        const annotations = d.spec?.template?.metadata?.annotations ?? {};
        if (annotations['prometheus.io/scrape'] !== 'true') problem(where, 'pod template lacks prometheus.io/scrape: "true"');
        if (annotations['prometheus.io/port'] !== String(metricsPort)) problem(where, `prometheus.io/port is ${annotations['prometheus.io/port']}, but the metrics port is ${metricsPort}`);
        if (annotations['prometheus.io/path'] !== '/metrics') problem(where, 'prometheus.io/path must be /metrics');
      }
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const p = c[probe];
        if (!p) { if (probe !== 'startupProbe') problem(cw, `has no ${probe}`); continue; }
        if (!p.grpc) problem(cw, `${probe} is not a native gRPC probe`);
        else if (p.grpc.port !== grpcPort) problem(cw, `${probe} checks port ${p.grpc.port}, but the service serves gRPC on ${grpcPort}`);
      }
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problem(cw, `has no resources.${kind}.${r}`);
      }
      const sc = c.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problem(cw, 'may run as root (runAsNonRoot)');
      if (sc.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
      if (sc.readOnlyRootFilesystem !== true) problem(cw, 'readOnlyRootFilesystem must be true');
      for (const e of c.env ?? []) {
        if (/PASSWORD|SECRET|API_KEY|TOKEN/i.test(e.name) && !/_FILE$/.test(e.name) && e.value !== undefined) {
          problem(cw, `env ${e.name} has an inline value: take it from a Secret (secretKeyRef)`);
        }
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !(configMaps.get(ref.name) ?? {})[ref.key] && !ref.optional) problem(cw, `env ${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
      }
      for (const f of c.envFrom ?? []) {
        if (f.configMapRef && !configMaps.has(f.configMapRef.name)) problem(cw, `envFrom: no ConfigMap ${f.configMapRef.name}`);
      }
    }
    const services = of('Service').filter((s) => namespace(s) === namespace(d) && matches(s.spec?.selector, podLabels));
    if (services.length === 0) problem(where, 'no Service selects its pods');
    for (const s of services) {
      const names = new Set((pod.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.name)));
      for (const p of s.spec.ports ?? []) {
        if (typeof p.targetPort === 'string' && !names.has(p.targetPort)) problem(nameOf(s), `targetPort ${p.targetPort} is no port of ${where}`);
      }
    }
    if (!of('PodDisruptionBudget').some((p) => namespace(p) === namespace(d) && matches(p.spec?.selector?.matchLabels, podLabels))) {
      problem(where, 'no PodDisruptionBudget selects its pods');
    }
    const hpa = of('HorizontalPodAutoscaler').find((h) => namespace(h) === namespace(d) &&
      h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    if (!hpa) problem(where, 'no HorizontalPodAutoscaler scales it');
    else if (d.spec?.replicas !== undefined) problem(where, 'sets spec.replicas although an autoscaler owns the count');
    else if (!(hpa.spec.minReplicas >= 2)) problem(nameOf(hpa), 'minReplicas must be at least 2 (a PodDisruptionBudget of 1 needs a second pod)');
  }
  for (const s of of('Service')) {
    if (!deployments.some((d) => matches(s.spec?.selector, d.spec?.template?.metadata?.labels))) problem(nameOf(s), 'selects no Deployment\'s pods');
  }
  // Setup Jobs (jobs.yaml): the same hardening as the services' pods, and no inlined secret.
  for (const j of of('Job')) {
    const where = nameOf(j);
    const pod = j.spec?.template?.spec ?? {};
    if (pod.automountServiceAccountToken !== false) problem(where, 'pods must not mount a Kubernetes API token (automountServiceAccountToken: false)');
    if (!['OnFailure', 'Never'].includes(pod.restartPolicy)) problem(where, 'restartPolicy must be OnFailure or Never');
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const cw = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problem(cw, 'may run as root (runAsNonRoot)');
      if (sc.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
      if (sc.readOnlyRootFilesystem !== true) problem(cw, 'readOnlyRootFilesystem must be true');
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problem(cw, `has no resources.${kind}.${r}`);
      }
      for (const e of c.env ?? []) {
        if (/PASSWORD|SECRET|API_KEY|TOKEN/i.test(e.name) && e.value !== undefined) problem(cw, `env ${e.name} has an inline value: take it from a Secret (secretKeyRef)`);
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !(configMaps.get(ref.name) ?? {})[ref.key] && !ref.optional) problem(cw, `env ${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
      }
    }
  }

  checkNetwork(objects, deployments);
}

// Who can reach whom under the NetworkPolicies (ingress rules), compared with `expected`.
function checkNetwork(objects, deployments) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const ns = deployments[0]?.metadata?.namespace ?? 'default';
  const podsOf = new Map(deployments.map((d) => [d.spec.template.metadata.labels['app.kubernetes.io/component'], d]));
  // Callers: each service's own pods, the admin CLI pod, the ingress controller's pods.
  const callers = {
    cli: { ns, nsLabels: { 'kubernetes.io/metadata.name': ns }, labels: { 'app.kubernetes.io/component': 'cli', 'app.kubernetes.io/part-of': 'sixsteps' } },
    ingress: { ns: 'ingress-nginx', nsLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    prometheus: { ns: 'monitoring', nsLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, labels: { 'app.kubernetes.io/name': 'prometheus' } },
    stranger: { ns, nsLabels: { 'kubernetes.io/metadata.name': ns }, labels: { app: 'something-else' } },
    'other-namespace': { ns: 'elsewhere', nsLabels: { 'kubernetes.io/metadata.name': 'elsewhere' }, labels: { 'app.kubernetes.io/component': 'cli' } },
  };
  for (const [component, d] of podsOf) {
    callers[component] = { ns, nsLabels: { 'kubernetes.io/metadata.name': ns }, labels: d.spec.template.metadata.labels };
  }
  const peerAllows = (peer, caller, policyNs) => {
    if (peer.ipBlock) return true; // any address: too broad for this hub
    const nsOk = peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, caller.nsLabels) : caller.ns === policyNs;
    const podOk = peer.podSelector ? matchesSelector(peer.podSelector, caller.labels) : true;
    return nsOk && podOk;
  };
  for (const [component, ports] of Object.entries(expected)) {
    const d = podsOf.get(component);
    if (!d) { problem('NetworkPolicy', `no Deployment for component ${component}`); continue; }
    const labels = d.spec.template.metadata.labels;
    const portNumbers = new Map(d.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => [p.name, p.containerPort])));
    const selecting = policies.filter((p) => (p.metadata.namespace ?? 'default') === (d.metadata.namespace ?? 'default') &&
      matchesSelector(p.spec?.podSelector ?? {}, labels) && (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress'));
    if (selecting.length === 0) { problem(nameOf(d), 'no NetworkPolicy selects its pods: anyone may reach it'); continue; }
    for (const [portName, allowed] of Object.entries(ports)) {
      const portNumber = portNumbers.get(portName);
      if (!portNumber) { problem(nameOf(d), `has no port ${portName}`); continue; }
      for (const [callerName, caller] of Object.entries(callers)) {
        const reachable = selecting.some((p) => (p.spec.ingress ?? []).some((rule) => {
          const portOk = !rule.ports || rule.ports.some((rp) => rp.port === undefined || rp.port === portName || rp.port === portNumber);
          const fromOk = !rule.from || rule.from.some((peer) => peerAllows(peer, caller, p.metadata.namespace ?? 'default'));
          return portOk && fromOk;
        }));
        const want = allowed.includes(callerName);
        if (reachable && !want) problem(`NetworkPolicy`, `${callerName} can reach ${component}:${portName}, but should not`);
        if (!reachable && want) problem(`NetworkPolicy`, `${callerName} cannot reach ${component}:${portName}, but must`);
      }
    }
  }
}

function matchesSelector(selector, labels) {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels?.[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels ?? {}, e.key);
    const value = labels?.[e.key];
    if (e.operator === 'In' && !(has && e.values.includes(value))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

const dirs = kustomizations(process.argv.slice(2));
let total = 0;
for (const dir of dirs) {
  currentDir = path.relative(root, dir) || dir;
  const before = problems.length;
  const text = render(dir);
  if (text === null) continue;
  const objects = parse(text);
  const counts = { schema: 0, structural: 0 };
  for (const o of objects) {
    const how = await validateSchema(o);
    if (how) counts[how] += 1;
  }
  // An overlay of PostgreSQL objects only (overlays/recovery) holds no services to check.
  const databaseOnly = objects.length > 0 && objects.every((o) => o.apiVersion === 'postgresql.cnpg.io/v1');
  if (!databaseOnly) checkProject(objects);
  total += objects.length;
  const kinds = [...new Set(objects.map((o) => o.kind))].sort().join(', ');
  const status = problems.length === before ? 'ok' : `${problems.length - before} problem(s)`;
  console.log(`${currentDir}: ${objects.length} objects (${kinds}): ${counts.schema} validated against the Kubernetes schemas, ${counts.structural} CloudNativePG checked structurally: ${status}`);
}
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`kubernetes manifests: ${dirs.length} kustomizations, ${total} objects, all valid`);
