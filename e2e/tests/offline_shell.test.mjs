// The staff app's offline shell (issue #11, point 12): on a first visit the service worker
// keeps the files the page itself just downloaded instead of downloading them again.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest } from '../lib.mjs';

e2eTest('12 · the service worker does not download the staff app a second time', async ({ open }) => {
  const page = await open('/field');
  await page.getByLabel('用户名').waitFor();
  await page.evaluate(async () => (await navigator.serviceWorker.ready).active.state);
  const context = page.context();
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const size = (entries) => entries.find((e) => e.name.endsWith('/anju_app_bg.wasm'));
  const fetched = size(
    await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => ({ name: e.name, transfer: e.transferSize, body: e.encodedBodySize })),
    ),
  );
  assert.ok(fetched && fetched.transfer > 100_000, `the page downloaded the app: ${JSON.stringify(fetched)}`);
  // What the worker's install fetched: revalidated against the page's copy, not downloaded.
  let cached;
  for (let i = 0; i < 50 && !cached; i += 1) {
    cached = size(
      await worker.evaluate(() =>
        performance.getEntriesByType('resource').map((e) => ({ name: e.name, transfer: e.transferSize, body: e.encodedBodySize })),
      ),
    );
    if (!cached) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(cached, 'the worker cached the app');
  assert.ok(cached.transfer < fetched.transfer / 20, `the worker downloaded it again: ${JSON.stringify(cached)} vs ${JSON.stringify(fetched)}`);
});
