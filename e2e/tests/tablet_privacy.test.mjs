// Residents' data on the tablets (PIPL). A shared tablet changes hands: logging out sends what
// is waiting, then wipes the residents' data (pulled events, cached households and staff, who
// was logged in) from IndexedDB; the next user pulls only their own estates. A resident's
// erasure by an admin reaches the tablets at their next sync. See ../lib.mjs for how to run.

import assert from 'node:assert/strict';
import { BASE_URL, e2eTest, login, reportOrder, staffSession, synced } from '../lib.mjs';

/** What the app's IndexedDB holds: event and outbox counts, and the metadata keys. */
function deviceData(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('anju');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['events', 'outbox', 'meta'], 'readonly');
          const out = {};
          const events = tx.objectStore('events').getAll();
          events.onsuccess = () => { out.events = events.result.map((r) => r.json); };
          const outbox = tx.objectStore('outbox').count();
          outbox.onsuccess = () => { out.outbox = outbox.result; };
          const meta = tx.objectStore('meta').getAllKeys();
          meta.onsuccess = () => { out.meta = meta.result; };
          tx.oncomplete = () => { db.close(); resolve(out); };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

e2eTest('logging out of a shared tablet wipes the residents data from IndexedDB', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `三楼走廊漏水 ${tag}`;
  await reportOrder(text);

  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  const row = field.locator('[data-testid=field-order]').filter({ hasText: text });
  await row.waitFor();
  // A note made just before handing the tablet over goes out with the logout.
  await row.getByRole('link').click();
  await field.getByLabel('备注', { exact: true }).fill(`已联系业主 ${tag}`);
  await field.getByRole('button', { name: '添加备注' }).click();
  const before = await deviceData(field);
  assert.ok(before.events.some((e) => e.includes(tag)), 'the order is on the tablet while at work');
  assert.ok(before.meta.includes('me'));

  await field.getByRole('button', { name: '退出' }).click();
  await field.getByRole('button', { name: '登录' }).waitFor();
  const after = await deviceData(field);
  assert.equal(after.events.length, 0, 'no resident report stays on the tablet');
  assert.equal(after.outbox, 0, 'the note went out before the logout');
  const left = after.meta.filter((k) => !['device_id', 'next_seq', 'clock'].includes(k));
  assert.deepEqual(left, [], 'nothing but the device identity is kept');

  // The note reached the server: the next user pulls it with the order.
  await login(field, 'guanjia2');
  await synced(field);
  await row.getByRole('link').click();
  await field.locator('[data-testid=note]').filter({ hasText: `已联系业主 ${tag}` }).waitFor();
});

e2eTest('an admin erases a resident and the tablet redacts its copy at its next sync', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `我是5栋的刘先生,阳台漏水 ${tag}`;
  const phone = '13977770000';
  const receipt = await reportOrder(text, phone);

  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.locator('[data-testid=field-order]').filter({ hasText: text }).waitFor();

  // The admin erases the resident, through the API an admin tool calls.
  const { cookie } = await staffSession('admin');
  const erased = await fetch(`${BASE_URL}/api/admin/residents/erase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie },
    body: JSON.stringify({ phone }),
  });
  assert.equal(erased.status, 200);
  assert.deepEqual((await erased.json()).orders, [receipt.order_id]);

  await field.getByRole('button', { name: '立即同步' }).click();
  await synced(field);
  await field.locator('[data-testid=field-order]').filter({ hasText: '已按本人要求删除' }).first().waitFor();
  assert.equal(await field.locator('[data-testid=field-order]').filter({ hasText: tag }).count(), 0);
  const data = await deviceData(field);
  assert.ok(!data.events.some((e) => e.includes('刘先生')), 'the tablet kept none of the resident\'s words');
});
