import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, importedPackages, productionClosure, workspaces } from './workspaces.js';

// A service's image installs only what its package.json and those of the libs it depends on
// declare (`npm ci --omit=dev --workspace=<app>`, docker/Dockerfile): a package that the code
// imports but only the root package.json declares works from the sources here and is missing in
// the image.
const all = workspaces();
const images = [...all.filter((w) => w.root.startsWith('apps/')).map((w) => w.root), 'libs/crm-sandbox'];
const tags = (root: string) =>
  (JSON.parse(readFileSync(join(ROOT, root, 'project.json'), 'utf8')) as { tags?: string[] }).tags ?? [];

describe.each(images)('the image of %s', (image) => {
  const closure = productionClosure(image, all);

  it('declares, in each workspace it ships, every package that workspace imports', () => {
    const undeclared = closure.flatMap((w) =>
      [...importedPackages(w.root)]
        .filter(([name]) => !(name in w.dependencies))
        .map(([name, files]) => `${w.root}/package.json lacks "${name}" (imported by ${files[0]})`),
    );
    expect(undeclared).toEqual([]);
  });

  it("ships Nest's HTTP adapter wherever it ships Nest, which loads the adapter by name", () => {
    const declares = (name: string) => closure.some((w) => name in w.dependencies);
    if (declares('@nestjs/core')) expect(declares('@nestjs/platform-express')).toBe(true);
  });

  it('ships no test library', () => {
    if (tags(image).includes('type:testing')) return;
    expect(closure.filter((w) => tags(w.root).includes('type:testing')).map((w) => w.root)).toEqual([]);
  });
});
