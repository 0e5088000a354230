// The committed browser modules in web/vendor/ are what scripts/vendor/build.mjs makes from
// the npm packages locked in package-lock.json: rebuilt into a temporary directory, every file
// must be byte for byte the same (a stale or hand-edited bundle fails here).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENTRIES, buildVendor } from '../../scripts/vendor/build.mjs';

const vendor = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/vendor');

test('web/vendor matches a fresh build from the locked packages', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'horseshoe-vendor-'));
  try {
    await buildVendor(out);
    const built = (await readdir(out)).sort();
    assert.deepEqual(built, Object.keys(ENTRIES).map((e) => `${e}.js`).sort());
    const committed = (await readdir(vendor)).filter((f) => f.endsWith('.js')).sort();
    assert.deepEqual(committed, built, 'web/vendor holds exactly the built modules');
    for (const file of built) {
      const fresh = await readFile(path.join(out, file), 'utf8');
      const kept = await readFile(path.join(vendor, file), 'utf8');
      assert.ok(fresh === kept, `web/vendor/${file} differs from a fresh build: run node scripts/vendor/build.mjs`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
