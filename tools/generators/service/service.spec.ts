import { readFileSync } from 'node:fs';
import { readJson, readProjectConfiguration, updateJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ALL_TOPICS, Contracts, Topics } from '@baton/domain';
import { toLiteral } from './literal.js';
import { REGISTRY_FILE, featureOf } from './options.js';
import { SAMPLES, SAMPLE_LEAD_ID } from './samples.js';
import serviceGenerator from './service.js';

/** The files under a project root, relative to it, sorted. */
function filesUnder(tree: Tree, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = `${dir}/${child}`;
      if (tree.isFile(path)) out.push(path.slice(root.length + 1));
      else walk(path);
    }
  };
  walk(root);
  return out.sort();
}

const read = (tree: Tree, path: string) => tree.read(path, 'utf-8') ?? '';

describe('nx g @baton/tools:service', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('.prettierrc.json', readFileSync(new URL('../../../.prettierrc.json', import.meta.url)));
    // The targetDefaults of this workspace's nx.json that the generated project relies on.
    updateJson(tree, 'nx.json', (nx: Record<string, unknown>) => ({
      ...nx,
      targetDefaults: { build: {}, serve: {}, lint: {}, typecheck: {}, test: {} },
    }));
  });

  it('writes the layout of a Baton service, and nothing else', async () => {
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    const files = filesUnder(tree, 'apps/notification');
    const migration = files.find((f) => f.startsWith('src/database/migrations/'))!;
    expect(migration).toMatch(/^src\/database\/migrations\/\d{13}-notification-tables\.migration\.ts$/);
    expect(files).toEqual(
      [
        'README.md',
        'config/policy/notification.yaml',
        'package.json',
        'project.json',
        'src/config/env.ts',
        'src/database/lead-assigned.entity.ts',
        'src/database/lead-assigned.store.ts',
        migration,
        'src/lead-assigned/arrival.spec.ts',
        'src/lead-assigned/arrival.ts',
        'src/lead-assigned/lead-assigned.consumer.ts',
        'src/lead-assigned/lead-assigned.controller.ts',
        'src/main.ts',
        'src/migrate.ts',
        'src/notification.module.ts',
        'src/notification.service.ts',
        'src/policy/policy.spec.ts',
        'src/policy/policy.ts',
        'src/policy/validate.ts',
        'test/notification.int.spec.ts',
        'tsconfig.json',
      ].sort(),
    );
    // No template syntax left behind.
    for (const f of files) expect(read(tree, `apps/notification/${f}`), f).not.toMatch(/<%|%>|__\w+__/);
  });

  it('tags the project and takes its targets from targetDefaults', async () => {
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    const project = readProjectConfiguration(tree, 'notification');
    expect(project.tags).toEqual(['type:app', 'scope:notification']);
    expect(project.projectType).toBe('application');
    expect(project.targets).toEqual({
      build: {},
      lint: {},
      typecheck: {},
      test: {},
      serve: {},
      validate: {
        command: 'node --import @swc-node/register/esm-register apps/notification/src/policy/validate.ts',
      },
      migrate: { command: 'node --import @swc-node/register/esm-register apps/notification/src/migrate.ts' },
    });
    expect(readJson(tree, 'apps/notification/tsconfig.json')).toEqual({
      extends: '../../tsconfig.base.json',
      include: ['src/**/*.ts', 'test/**/*.ts'],
    });
    const pkg = readJson<{ name: string; dependencies: Record<string, string> }>(
      tree,
      'apps/notification/package.json',
    );
    expect(pkg.name).toBe('@baton/notification');
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['@baton/domain', '@baton/platform', '@baton/persistence', '@nestjs/common']),
    );
  });

  it('spells out a target that targetDefaults lacks', async () => {
    updateJson(tree, 'nx.json', (nx: Record<string, unknown>) => ({ ...nx, targetDefaults: { build: {} } }));
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    const { targets } = readProjectConfiguration(tree, 'notification');
    expect(targets?.build).toEqual({});
    expect(targets?.lint).toEqual({ command: 'eslint apps/notification' });
    expect(targets?.serve).toMatchObject({ dependsOn: ['build'], continuous: true });
  });

  it('wires the kit: one-line main and migrate, the definition, an idempotent consumer, an authenticated route', async () => {
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    const at = (f: string) => read(tree, `apps/notification/${f}`);
    expect(at('src/main.ts')).toContain('\nawait runService(notificationService);\n');
    expect(at('src/migrate.ts')).toContain('\nawait migrateService(notificationService);\n');
    expect(at('src/notification.service.ts')).toMatch(/defineService\(\{\s+name: 'notification',/);
    expect(at('src/config/env.ts')).toMatch(
      /BaseEnvSchema\.extend\(\{\s+NOTIFICATION_HISTORY_LIMIT:[^}]*\.describe\(/,
    );
    expect(at('src/policy/policy.ts')).toContain('loadPolicy(dir, POLICY_FILE, NotificationPolicySchema)');
    const consumer = at('src/lead-assigned/lead-assigned.consumer.ts');
    expect(consumer).toContain('@OnEvent(Topics.LeadAssigned)');
    expect(consumer).toMatch(
      /this\.runtime\.transaction\(async \(manager\) => \{\s+if \(!\(await this\.processed\.claim\(manager, event\.id\)\)\) return;\s+await this\.store\.record\(manager,/,
    );
    const route = at('src/lead-assigned/lead-assigned.controller.ts');
    expect(route).toContain("@Get(':leadId/lead-assigned')");
    expect(route).toContain("@Param('leadId', new ZodParam(LeadIdParam))");
    expect(route).not.toMatch(/^\s*@Public\(\)/m);
    const spec = at('test/notification.int.spec.ts');
    expect(spec).toContain('startTestService(notificationService');
    expect(spec).toContain('schemaDrift(');
    expect(spec).toContain("new EventPublisher(kafka, 'baton/routing')");
  });

  it('documents what the registry says the service consumes and produces, and its settings', async () => {
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    const readme = read(tree, 'apps/notification/README.md');
    for (const t of [
      Topics.LeadAssigned,
      Topics.SlaBreached,
      Topics.LeadReassignmentRequested,
      Topics.CrmCommand,
    ])
      expect(readme).toContain(`\`${t}\``);
    for (const s of [
      'NOTIFICATION_HISTORY_LIMIT',
      'NOTIFICATION_CONSUMER_BATCH',
      'NOTIFICATION_CONSUMER_GROUP',
    ])
      expect(readme).toContain(`\`${s}\``);
    expect(readme).toContain('`config/policy/notification.yaml`');
    expect(read(tree, 'apps/notification/config/policy/notification.yaml')).toContain('lateAfterMinutes: 15');
  });

  it('handles the topic given by --consumes, in a feature named after it or by --feature', async () => {
    await serviceGenerator(tree, { name: 'sla', consumes: Topics.NotificationSent });
    expect(read(tree, 'apps/sla/src/notification-sent/notification-sent.consumer.ts')).toContain(
      '@OnEvent(Topics.NotificationSent)',
    );
    await serviceGenerator(tree, {
      name: 'crm-connector',
      consumes: Topics.CrmCommand,
      feature: 'commands',
      directory: 'apps/crm-connector-next',
      projectName: 'crm-connector-next',
    });
    const root = 'apps/crm-connector-next';
    expect(read(tree, `${root}/src/main.ts`)).toContain('await runService(crmConnectorService);');
    expect(read(tree, `${root}/src/config/env.ts`)).toContain('CRM_CONNECTOR_HISTORY_LIMIT');
    expect(read(tree, `${root}/src/commands/commands.consumer.ts`)).toContain('@OnEvent(Topics.CrmCommand)');
    expect(read(tree, `${root}/README.md`)).toContain('`CRM_CONNECTOR_CONSUMER_BATCH`');
    expect(readJson(tree, `${root}/tsconfig.json`).extends).toBe('../../tsconfig.base.json');
    expect(readProjectConfiguration(tree, 'crm-connector-next').tags).toEqual([
      'type:app',
      'scope:crm-connector',
    ]);
  });

  it('defaults --consumes to the first topic the registry lists the service as consuming', async () => {
    await serviceGenerator(tree, { name: 'sla' });
    expect(tree.exists('apps/sla/src/lead-activity/lead-activity.consumer.ts')).toBe(true);
  });

  it('refuses a service the registry lists as consuming nothing, naming the registry file', async () => {
    await expect(serviceGenerator(tree, { name: 'billing' })).rejects.toThrow(REGISTRY_FILE);
    await expect(serviceGenerator(tree, { name: 'billing' })).rejects.toThrow(
      /no topic consumed by "billing"/,
    );
    expect(tree.exists('apps/billing')).toBe(false);
  });

  it('refuses a topic the service does not consume, a topic that does not exist, and bad names', async () => {
    await expect(
      serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadQualified }),
    ).rejects.toThrow(
      /does not list "notification" as a consumer of lead\.qualified\.v1; it consumes [a-z.0-9, ]*lead\.assigned\.v1/,
    );
    await expect(serviceGenerator(tree, { name: 'notification', consumes: 'lead.nope.v1' })).rejects.toThrow(
      /not a topic of the contract registry/,
    );
    await expect(serviceGenerator(tree, { name: 'Notification' })).rejects.toThrow(/kebab-case/);
    await expect(serviceGenerator(tree, { name: 'notification', feature: 'policy' })).rejects.toThrow(
      /feature/,
    );
    await expect(serviceGenerator(tree, { name: 'notification', directory: '../elsewhere' })).rejects.toThrow(
      /inside the workspace/,
    );
  });

  it('refuses a project name or a directory already taken', async () => {
    await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned });
    await expect(
      serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned }),
    ).rejects.toThrow(/exists already/);
    await expect(
      serviceGenerator(tree, {
        name: 'notification',
        consumes: Topics.LeadAssigned,
        projectName: 'notification-two',
      }),
    ).rejects.toThrow(/apps\/notification exists and is not empty/);
  });

  it('puts the new package into the lock file (npm install) only where the workspaces reach', async () => {
    updateJson(tree, 'package.json', (pkg: Record<string, unknown>) => ({ ...pkg, workspaces: ['apps/*'] }));
    expect(await serviceGenerator(tree, { name: 'notification', consumes: Topics.LeadAssigned })).toBeTypeOf(
      'function',
    );
    expect(
      await serviceGenerator(tree, { name: 'sla', directory: 'tmp/gen/apps/sla', projectName: 'gen-sla' }),
    ).toBeUndefined();
    expect(await serviceGenerator(tree, { name: 'routing', skipInstall: true })).toBeUndefined();
  });
});

describe('the sample events of generated specs', () => {
  it.each(ALL_TOPICS)('%s: valid by its contract, for the sample lead', (topic) => {
    const sample = SAMPLES[topic] as { leadId: string };
    expect(sample.leadId).toBe(SAMPLE_LEAD_ID);
    expect(() => Contracts[topic].schema.parse(sample)).not.toThrow();
  });
});

describe('toLiteral', () => {
  it('writes TypeScript: bare keys where they can be, quoted strings escaped, code where asked', () => {
    expect(
      toLiteral(
        { leadId: 'x', 'odd-key': "it's", n: [1, true, null], skip: undefined },
        { leadId: 'leadId' },
      ),
    ).toBe("{ leadId, 'odd-key': 'it\\'s', n: [1, true, null] }");
    expect(toLiteral({ a: 'x' }, { a: 'make()' })).toBe('{ a: make() }');
  });
});

describe('featureOf', () => {
  it('names the feature after the topic, without its version', () => {
    expect(featureOf(Topics.LeadAssigned)).toBe('lead-assigned');
    expect(featureOf(Topics.LeadReassignmentRequested)).toBe('lead-reassignment');
  });
});
