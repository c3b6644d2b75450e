import { describe, expect, it } from 'vitest';
import { policyDrift, render, validateObjects, type K8sObject } from './kubernetes.js';

describe('docker/kubernetes', () => {
  it("holds current copies of every app's bundled policy, each app's listed in one ConfigMap", () => {
    expect(policyDrift(), 'run `npm run kubernetes:sync` and commit docker/kubernetes/policy').toEqual([]);
  });

  it('renders with kubectl kustomize, and every object is valid', async () => {
    const objects = render();
    expect(await validateObjects(objects)).toEqual([]);
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments.sort()).toEqual(['crm-connector', 'notification', 'routing', 'scoring', 'sla']);
    // Every service runs its own image, from the registry the kustomization names.
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const [container] = (d.spec as { template: { spec: { containers: { image: string }[] } } }).template
        .spec.containers;
      expect(container.image).toBe(`registry.example.com/baton-${d.metadata.name}:latest`);
    }
  });
});

describe('validateObjects', () => {
  const deployment = (patch: (spec: Record<string, unknown>) => void): K8sObject => {
    const spec: Record<string, unknown> = {
      replicas: 2,
      selector: { matchLabels: { app: 'routing' } },
      template: {
        metadata: { labels: { app: 'routing' } },
        spec: {
          containers: [
            {
              name: 'routing',
              image: 'baton-routing',
              env: [{ name: 'BATON_POLICY_DIR', value: '/etc/baton/policy' }],
              ports: [{ name: 'http', containerPort: 3000 }],
              readinessProbe: { httpGet: { path: '/health/ready', port: 'http' } },
              volumeMounts: [{ name: 'policy', mountPath: '/etc/baton/policy' }],
            },
          ],
          volumes: [{ name: 'policy', configMap: { name: 'routing-policy' } }],
        },
      },
    };
    patch(spec);
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'routing' }, spec };
  };
  const configMap: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'routing-policy' } };
  const template = (spec: Record<string, unknown>) =>
    (spec.template as { spec: { containers: Record<string, unknown>[]; volumes: { name: string }[] } }).spec;

  it('accepts objects whose references resolve', async () => {
    expect(await validateObjects([configMap, deployment(() => {})])).toEqual([]);
  });

  it('reports a schema violation', async () => {
    const problems = await validateObjects([configMap, deployment((s) => (s.replicas = 'two'))]);
    expect(problems).toEqual([expect.stringMatching(/^Deployment\/routing: .*replicas must be integer/)]);
  });

  it('reports references that do not resolve', async () => {
    const problems = await validateObjects([
      deployment((s) => {
        template(s).containers[0].readinessProbe = { httpGet: { path: '/', port: 'admin' } };
        template(s).containers[0].env = [{ name: 'BATON_POLICY_DIR', value: '/policy' }];
      }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'scoring' },
        spec: { selector: { app: 'scoring' }, ports: [{ port: 80, targetPort: 'http' }] },
      },
    ]);
    expect(problems).toEqual([
      'Deployment/routing: volume policy names ConfigMap routing-policy, which is not rendered',
      'Deployment/routing container routing: a probe uses port admin, which the container does not declare',
      'Deployment/routing container routing: BATON_POLICY_DIR=/policy is not a mounted volume',
      'Service/scoring: the selector matches no Deployment',
    ]);
  });

  it('reports a kind it has no model for', async () => {
    const problems = await validateObjects([
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    ]);
    expect(problems).toEqual(['Widget/w: kubernetes-models has no model for example.com/v1 Widget']);
  });
});
