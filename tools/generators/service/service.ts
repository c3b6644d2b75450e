import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addProjectConfiguration,
  generateFiles,
  getProjects,
  installPackagesTask,
  offsetFromRoot,
  readJson,
  readNxJson,
  writeJson,
  type GeneratorCallback,
  type TargetConfiguration,
  type Tree,
} from '@nx/devkit';
import {
  GeneratorError,
  normalizeOptions,
  type ServiceGeneratorSchema,
  type ServiceOptions,
} from './options.js';
import { toLiteral } from './literal.js';
import { SAMPLES, SAMPLE_LEAD_ID } from './samples.js';

const FILES = fileURLToPath(new URL('./files', import.meta.url));

/**
 * `npx nx g @baton/tools:service <name>`: a new service on the kit, in the layout of every Baton
 * service (root README, "Anatomy of a service"), whose consumer handles one topic the contract
 * registry lists it as consuming. What it writes passes lint, typecheck and its own specs.
 */
export default async function serviceGenerator(
  tree: Tree,
  schema: ServiceGeneratorSchema,
): Promise<GeneratorCallback | undefined> {
  const o = normalizeOptions(schema, Date.now());
  if (getProjects(tree).has(o.projectName)) {
    throw new GeneratorError(
      `a project named "${o.projectName}" exists already (--projectName to choose another)`,
    );
  }
  if (tree.exists(o.projectRoot) && tree.children(o.projectRoot).length > 0) {
    throw new GeneratorError(`${o.projectRoot} exists and is not empty (--directory to choose another)`);
  }

  addProjectConfiguration(tree, o.projectName, {
    root: o.projectRoot,
    projectType: 'application',
    sourceRoot: `${o.projectRoot}/src`,
    tags: ['type:app', `scope:${o.name}`],
    targets: targetsOf(tree, o),
  });
  writeJson(tree, `${o.projectRoot}/package.json`, packageJsonOf(tree, o));
  generateFiles(tree, FILES, o.projectRoot, {
    ...o,
    offset: offsetFromRoot(o.projectRoot),
    sampleLeadId: SAMPLE_LEAD_ID,
    sample: toLiteral(SAMPLES[o.topic], { leadId: 'leadId' }),
  });
  await formatProject(tree, o.projectRoot);

  if (o.skipInstall || !inWorkspaces(tree, o.projectRoot)) return undefined;
  // The new workspace package goes into the lock file (npm ci fails on a lock without it).
  return () => installPackagesTask(tree, true);
}

/**
 * The targets every service has: `{}` where nx.json's targetDefaults define one (build, serve,
 * lint, typecheck, test), the command otherwise; migrate and validate run the sources.
 */
function targetsOf(tree: Tree, o: ServiceOptions): Record<string, TargetConfiguration> {
  const defaults = readNxJson(tree)?.targetDefaults ?? {};
  const fallback: Record<string, TargetConfiguration> = {
    build: { command: `node tools/build/compile.mjs ${o.projectRoot}`, outputs: ['{projectRoot}/dist'] },
    lint: { command: `eslint ${o.projectRoot}` },
    typecheck: { command: `tsc --noEmit -p ${o.projectRoot}/tsconfig.json` },
    test: { command: `vitest run ${o.projectRoot}` },
    serve: {
      dependsOn: ['build'],
      continuous: true,
      command: `node --enable-source-maps --conditions=production ${o.projectRoot}/dist/main.js`,
    },
  };
  const targets: Record<string, TargetConfiguration> = {};
  for (const [name, config] of Object.entries(fallback)) targets[name] = name in defaults ? {} : config;
  const run = (file: string) => `node --import @swc-node/register/esm-register ${o.projectRoot}/src/${file}`;
  targets.validate = { command: run('policy/validate.ts') };
  targets.migrate = { command: run('migrate.ts') };
  return targets;
}

/** Declares what its shipped code imports (the image installs only that), at the root's versions. */
function packageJsonOf(tree: Tree, o: ServiceOptions) {
  const root = readJson<{ dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>(
    tree,
    'package.json',
  );
  const version = (name: string) => root.dependencies?.[name] ?? root.devDependencies?.[name] ?? '*';
  const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, version(n)]));
  return {
    name: `@baton/${o.projectName}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    dependencies: {
      '@baton/domain': '*',
      '@baton/persistence': '*',
      '@baton/platform': '*',
      ...pick(['@nestjs/common', '@nestjs/microservices', 'typeorm', 'zod']),
    },
    devDependencies: { '@baton/kafka': '*', '@baton/service-testing': '*', '@baton/testing': '*' },
  };
}

/**
 * Prettier on everything generated, with the workspace's settings, wherever the project goes
 * (devkit's formatFiles skips ignored paths, such as a generator test's tmp/ directory, and
 * the output must be the same there).
 */
async function formatProject(tree: Tree, projectRoot: string): Promise<void> {
  const prettier = await import('prettier');
  const workspaceConfig = ['.prettierrc.json', '.prettierrc'].find((f) => tree.exists(f));
  const config = workspaceConfig ? readJson<Record<string, unknown>>(tree, workspaceConfig) : undefined;
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content || !change.path.startsWith(`${projectRoot}/`)) continue;
    const filepath = join(tree.root, change.path);
    const { inferredParser } = await prettier.getFileInfo(filepath);
    if (!inferredParser) continue;
    const options = config ?? (await prettier.resolveConfig(filepath)) ?? {};
    tree.write(change.path, await prettier.format(change.content.toString('utf8'), { ...options, filepath }));
  }
}

/** Whether the root package.json's workspaces cover the project (apps/* does; tmp/ does not). */
function inWorkspaces(tree: Tree, projectRoot: string): boolean {
  const { workspaces = [] } = readJson<{ workspaces?: string[] }>(tree, 'package.json');
  return workspaces.some((pattern) =>
    pattern.endsWith('/*')
      ? projectRoot.startsWith(pattern.slice(0, -1)) && !projectRoot.slice(pattern.length - 1).includes('/')
      : projectRoot === pattern,
  );
}
