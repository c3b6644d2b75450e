/**
 * Keeps docker/kubernetes renderable and checks what it renders.
 *
 *   kubernetes.ts          copies each app's bundled policy (apps/<app>/config/policy/*.yaml) into
 *                          docker/kubernetes/policy/<app>/: kustomize reads configMapGenerator
 *                          files only from inside the kustomization root
 *   kubernetes.ts --check  writes nothing: fails when a copy is stale, missing or extra, or when
 *                          the kustomization does not list exactly those files; then renders with
 *                          `kubectl kustomize` and validates every object (CI runs this)
 *
 * Validation is offline: each object against its kubernetes-models schema (types, required
 * fields), then the wiring between objects that a schema cannot see (a volume naming a ConfigMap
 * that is not rendered, a Service selecting no Deployment, a probe on a port no container names).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KUSTOMIZATION_DIR = join(ROOT, 'docker', 'kubernetes');
const POLICY_COPIES = join(KUSTOMIZATION_DIR, 'policy');
/** Secrets the platform team creates; the kustomization only refers to them. */
export const EXTERNAL_SECRETS = ['baton-secrets'];

const yamlFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/** Apps that bundle a policy directory, each with its policy files. */
export function bundledPolicies(): Map<string, string[]> {
  const apps = new Map<string, string[]>();
  for (const app of readdirSync(join(ROOT, 'apps')).sort()) {
    const files = yamlFiles(join(ROOT, 'apps', app, 'config', 'policy'));
    if (files.length > 0) apps.set(app, files);
  }
  return apps;
}

/** Differences between the apps' policy files, their copies and the kustomization; [] when in step. */
export function policyDrift(): string[] {
  const problems: string[] = [];
  const policies = bundledPolicies();
  for (const [app, files] of policies) {
    const copies = yamlFiles(join(POLICY_COPIES, app));
    for (const file of files) {
      const copy = join(POLICY_COPIES, app, file);
      if (!copies.includes(file)) problems.push(`${rel(copy)} is missing`);
      else if (!readFileSync(copy).equals(readFileSync(join(ROOT, 'apps', app, 'config', 'policy', file))))
        problems.push(`${rel(copy)} differs from apps/${app}/config/policy/${file}`);
    }
    for (const extra of copies.filter((f) => !files.includes(f)))
      problems.push(`${rel(join(POLICY_COPIES, app, extra))} has no source in apps/${app}/config/policy`);
  }
  for (const dir of existsSync(POLICY_COPIES) ? readdirSync(POLICY_COPIES) : [])
    if (!policies.has(dir)) problems.push(`${rel(join(POLICY_COPIES, dir))} belongs to no app`);

  // Each app's copies are the files of exactly one configMapGenerator entry.
  const kustomization = parse(readFileSync(join(KUSTOMIZATION_DIR, 'kustomization.yaml'), 'utf8')) as {
    configMapGenerator?: { name: string; files?: string[] }[];
  };
  for (const [app, files] of policies) {
    const want = files.map((f) => `policy/${app}/${f}`);
    const generators = (kustomization.configMapGenerator ?? []).filter((g) =>
      (g.files ?? []).some((f) => f.startsWith(`policy/${app}/`)),
    );
    if (generators.length !== 1) {
      problems.push(
        `kustomization.yaml: expected one configMapGenerator with the files policy/${app}/*, found ${generators.length}`,
      );
      continue;
    }
    const listed = [...(generators[0].files ?? [])].sort();
    if (listed.join() !== want.join())
      problems.push(
        `kustomization.yaml: configMapGenerator ${generators[0].name} lists [${listed.join(', ')}], expected [${want.join(', ')}]`,
      );
  }
  return problems;
}

/** Rewrites docker/kubernetes/policy/ from the apps' policy files. */
export function syncPolicies(): void {
  rmSync(POLICY_COPIES, { recursive: true, force: true });
  for (const [app, files] of bundledPolicies()) {
    mkdirSync(join(POLICY_COPIES, app), { recursive: true });
    for (const file of files)
      cpSync(join(ROOT, 'apps', app, 'config', 'policy', file), join(POLICY_COPIES, app, file));
  }
}

/** `kubectl kustomize docker/kubernetes`, parsed. */
export function render(dir = KUSTOMIZATION_DIR): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length > 0) throw d.errors[0];
    return d.toJS() as K8sObject;
  });
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an object, e.g. apps/v1 Deployment → kubernetes-models/apps/v1/Deployment. */
async function modelOf(o: K8sObject): Promise<ModelClass | undefined> {
  const path = `kubernetes-models/${o.apiVersion}/${o.kind}`;
  try {
    return ((await import(path)) as Record<string, ModelClass>)[o.kind];
  } catch {
    return undefined;
  }
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
type Probe = { httpGet?: { port: number | string } };
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: {
    containers: Container[];
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  };
}

/** Problems with the rendered objects; [] when every object is valid and every reference resolves. */
export async function validateObjects(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  const id = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? '?'}`;
  for (const o of objects) {
    const Model = await modelOf(o);
    if (!Model) {
      problems.push(`${id(o)}: kubernetes-models has no model for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (err) {
      problems.push(`${id(o)}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) return problems;

  const named = (kind: string) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const configMaps = named('ConfigMap');
  const secrets = new Set([...named('Secret'), ...EXTERNAL_SECRETS]);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const templates = deployments.map((d) => (d.spec as { template: PodTemplate }).template);

  for (const d of deployments) {
    const spec = d.spec as { selector: { matchLabels?: Record<string, string> }; template: PodTemplate };
    const labels = spec.template.metadata?.labels ?? {};
    if (!matches(spec.selector.matchLabels, labels))
      problems.push(`${id(d)}: the selector does not match the pod template's labels`);
    for (const v of spec.template.spec.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name))
        problems.push(
          `${id(d)}: volume ${v.name} names ConfigMap ${v.configMap.name}, which is not rendered`,
        );
      if (v.secret && !secrets.has(v.secret.secretName))
        problems.push(`${id(d)}: volume ${v.name} names an unknown Secret ${v.secret.secretName}`);
    }
    const volumes = new Set((spec.template.spec.volumes ?? []).map((v) => v.name));
    for (const c of spec.template.spec.containers) {
      const where = `${id(d)} container ${c.name}`;
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef && !configMaps.has(from.configMapRef.name))
          problems.push(`${where}: envFrom names ConfigMap ${from.configMapRef.name}, which is not rendered`);
        if (from.secretRef && !secrets.has(from.secretRef.name))
          problems.push(`${where}: envFrom names an unknown Secret ${from.secretRef.name}`);
      }
      for (const m of c.volumeMounts ?? [])
        if (!volumes.has(m.name)) problems.push(`${where}: mounts ${m.name}, which is no volume of the pod`);
      const ports = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
        if (probe?.httpGet && !ports.has(probe.httpGet.port))
          problems.push(
            `${where}: a probe uses port ${probe.httpGet.port}, which the container does not declare`,
          );
      const policyDir = c.env?.find((e) => e.name === 'BATON_POLICY_DIR')?.value;
      if (policyDir && !(c.volumeMounts ?? []).some((m) => m.mountPath === policyDir))
        problems.push(`${where}: BATON_POLICY_DIR=${policyDir} is not a mounted volume`);
    }
  }
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const spec = s.spec as { selector?: Record<string, string>; ports?: { targetPort?: number | string }[] };
    const selected = templates.filter((t) => matches(spec.selector, t.metadata?.labels ?? {}));
    if (selected.length === 0) {
      problems.push(`${id(s)}: the selector matches no Deployment`);
      continue;
    }
    for (const p of spec.ports ?? []) {
      const declared = selected.some((t) =>
        t.spec.containers.some((c) =>
          (c.ports ?? []).some((cp) => [cp.name, cp.containerPort].includes(p.targetPort)),
        ),
      );
      if (p.targetPort !== undefined && !declared)
        problems.push(`${id(s)}: targetPort ${p.targetPort} is no port of the selected pods`);
    }
  }
  return problems;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

const rel = (path: string) => relative(ROOT, path);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--check')) {
    syncPolicies();
    const drift = policyDrift();
    if (drift.length > 0) {
      console.error(`policy copies written; the kustomization needs updating:\n  ${drift.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`policy copies written to ${rel(POLICY_COPIES)}`);
  } else {
    const drift = policyDrift();
    if (drift.length > 0) {
      console.error(
        `docker/kubernetes is out of step with the apps' policy (run \`npm run kubernetes:sync\`):\n  ${drift.join('\n  ')}`,
      );
      process.exit(1);
    }
    const objects = render();
    const problems = await validateObjects(objects);
    if (problems.length > 0) {
      console.error(`the rendered manifests are not valid:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(
      `kubectl kustomize ${rel(KUSTOMIZATION_DIR)}: ${objects.length} objects, all valid (${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`,
    );
  }
}
