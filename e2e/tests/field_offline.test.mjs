// The caretaker's offline-first field app: working with no network (after an offline reload),
// the changes going out by themselves once back online, and two tablets that edited the same
// order apart converging on one state. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { assignTo, e2eTest, login, pngOf, reportOrder, synced } from '../lib.mjs';

/** Logs `user` in on /field in a fresh context and waits for the first sync. */
async function openField(open, user) {
  const page = await open('/field');
  await login(page, user);
  await synced(page);
  return page;
}

async function pending(page) {
  return Number(await page.locator('[data-testid=sync-state]').getAttribute('data-pending'));
}

function orderRow(page, text) {
  return page.locator('[data-testid=field-order]').filter({ hasText: text });
}

/** Opens the order from the list and waits for its details. */
async function openOrder(page, text) {
  await orderRow(page, text).getByRole('link').click();
  await page.locator('[data-testid=field-order-detail]').filter({ hasText: text }).waitFor();
}

async function addNote(page, text) {
  await page.getByLabel('备注', { exact: true }).fill(text);
  await page.getByRole('button', { name: '添加备注' }).click();
  await page.locator('[data-testid=note]').filter({ hasText: text }).waitFor();
}

/** The order's details as the page shows them. */
async function detail(page) {
  const card = page.locator('[data-testid=field-order-detail]');
  return {
    status: await card.locator('[data-testid=order-status]').innerText(),
    assignee: await card.locator('[data-testid=order-assignee]').innerText(),
    notes: await card.locator('[data-testid=note]').allInnerTexts(),
  };
}

e2eTest('a caretaker keeps working offline after a reload, and the desk sees the work once back online', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `地下车库灯不亮 ${tag}`;
  await reportOrder(text);

  const field = await openField(open, 'guanjia1');
  await orderRow(field, text).waitFor();
  // The service worker has cached the app shell once it is active.
  assert.ok(await field.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active)));
  // A resident's tracking link opened on the tablet (the same origin, under the worker) must
  // not take the place of the app's cached page.
  const link = await field.context().newPage();
  await link.goto(new URL(`/t/${'0'.repeat(64)}`, field.url()).href);
  await link.getByRole('alert').filter({ hasText: '找不到这条报事' }).waitFor();
  await link.close();

  // Into the basement: no network, and the page reloaded.
  await field.context().setOffline(true);
  const reloaded = await field.reload();
  assert.ok(reloaded.fromServiceWorker(), 'the offline reload is answered by the service worker');
  // Still says how fresh the data is: the last sync time is kept on the device.
  await field
    .locator('[data-testid=sync-state][data-online="false"]')
    .filter({ hasText: /上次同步 \d\d:\d\d:\d\d/ })
    .waitFor();
  await orderRow(field, text).waitFor();

  await openOrder(field, text);
  await addNote(field, `更换灯管 ${tag}`);
  await field.getByRole('button', { name: '到场' }).click();
  await field.getByRole('button', { name: '完工' }).click();
  await field.locator('[data-testid=field-order-detail] [data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();

  await field.getByRole('link', { name: '← 返回列表' }).click();
  await field.getByRole('link', { name: '登记走访' }).click();
  await field.getByLabel('楼栋').selectOption({ index: 1 });
  await field.getByLabel('单元').selectOption({ index: 1 });
  await field.getByLabel('房号').selectOption({ index: 1 });
  await field.getByLabel('上门').check();
  await field.getByLabel('备注(选填)').fill(`独居老人 ${tag}`);
  await field.getByRole('button', { name: '登记走访' }).click();
  await field.locator('[data-testid=field-visit]').filter({ hasText: tag }).waitFor();

  assert.ok((await pending(field)) >= 4, `4 changes wait to be sent, the badge says ${await pending(field)}`);

  // Reloaded again, still offline: the changes waiting to be sent are still there and shown.
  const waiting = await pending(field);
  await field.reload();
  await field
    .locator(`[data-testid=sync-state][data-online="false"][data-pending="${waiting}"]`)
    .waitFor();
  await openOrder(field, text);
  await field.locator('[data-testid=note]').filter({ hasText: `更换灯管 ${tag}` }).waitFor();
  await field.locator('[data-testid=field-order-detail] [data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await field.getByRole('link', { name: '← 返回列表' }).click();
  await field.locator('[data-testid=field-visit]').filter({ hasText: tag }).waitFor();

  // Back upstairs: the changes go out by themselves.
  await field.context().setOffline(false);
  await synced(field);
  assert.equal(await field.locator('[data-testid=rejected]').count(), 0, 'nothing was refused');

  const desk = await open('/desk');
  await login(desk, 'desk');
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await row.locator('[data-testid=note]').filter({ hasText: `更换灯管 ${tag}` }).waitFor();
});

e2eTest('two tablets edit one order apart and agree once both have synced', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `楼道水管滴水 ${tag}`;
  await reportOrder(text);

  // The desk, on its own tablet, dispatches the order to the first caretaker.
  const desk = await openField(open, 'desk');
  await openOrder(desk, text);
  await assignTo(desk, '李明');
  await synced(desk);

  const caretaker = await openField(open, 'guanjia1');
  await orderRow(caretaker, '李明').filter({ hasText: text }).waitFor();

  // Apart: the caretaker, offline, completes the order and notes what was done…
  await caretaker.context().setOffline(true);
  // A sync that left before the cut may still land and say "online": the next one finds out.
  await caretaker.getByRole('button', { name: '立即同步' }).click();
  await caretaker.locator('[data-testid=sync-state][data-online="false"]').waitFor();
  await openOrder(caretaker, text);
  await caretaker.getByRole('button', { name: '完工' }).click();
  await addNote(caretaker, `换了阀门 ${tag}`);
  // …while the desk, later, hands it to the second caretaker with a note of its own.
  await assignTo(desk, '陈芳', '转派');
  await addNote(desk, `业主下午在家 ${tag}`);
  await synced(desk);

  await caretaker.context().setOffline(false);
  await synced(caretaker);
  await desk.getByRole('button', { name: '立即同步' }).click();
  await synced(desk);

  for (const page of [caretaker, desk]) {
    const card = page.locator('[data-testid=field-order-detail]');
    await card.locator('[data-testid=note]').filter({ hasText: `换了阀门 ${tag}` }).waitFor();
    await card.locator('[data-testid=note]').filter({ hasText: `业主下午在家 ${tag}` }).waitFor();
  }
  const [a, b] = [await detail(caretaker), await detail(desk)];
  assert.deepEqual(a, b, 'both tablets show the same order');
  assert.equal(a.status, '已完工', 'the completion stands');
  assert.match(a.assignee, /陈芳/, 'the later assignment wins');
  assert.equal(a.notes.length, 2, 'both notes, none lost');
});

e2eTest('what the server would refuse is refused on the tablet at once, offline too, by the same check', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `门禁失灵 ${tag}`;
  await reportOrder(text);

  const field = await openField(open, 'guanjia1');
  await orderRow(field, text).waitFor();
  await openOrder(field, text);
  await field.context().setOffline(true);
  // Longer than a note may be (2,000 characters): the arrival check of `shared`, which the
  // server runs too, refuses it before anything is recorded.
  const tooLong = `${tag} ${'很长的备注'.repeat(400)}`;
  await field.getByLabel('备注', { exact: true }).fill(tooLong);
  await field.getByRole('button', { name: '添加备注' }).click();
  const error = field.locator('[data-testid=order-error]');
  await error.filter({ hasText: '2000' }).waitFor();
  assert.match(await error.innerText(), /内容/, 'the message names the field');
  await field.locator('[data-testid=sync-state][data-pending="0"]').waitFor();
  const notes = await field.locator('[data-testid=field-order-detail] [data-testid=note]').count();
  assert.equal(notes, 0, 'nothing recorded, nothing queued');
  await field.context().setOffline(false);
});

e2eTest('a caretaker adds a photo to an order; it is stored cleaned and the desk sees it', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `外墙瓷砖脱落 ${tag}`;
  await reportOrder(text);
  const field = await openField(open, 'guanjia1');
  await openOrder(field, text);
  // A 1×1 PNG, as a tablet's camera would hand over a file.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  await field.locator('input[type=file]').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: png });
  const thumb = field.locator('[data-testid=field-order-detail] [data-testid=photos] img');
  await thumb.waitFor();
  await field.waitForFunction((img) => img.complete && img.naturalWidth === 1, await thumb.elementHandle());
  await synced(field);

  // Not an image: refused on the tablet by the shared check (the server's own), named, and
  // nothing recorded or kept for upload.
  await field.locator('input[type=file]').setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('<html>') });
  await field.getByRole('alert').filter({ hasText: '照片:只收 JPEG、PNG 或 WebP 图片' }).waitFor();
  assert.equal(await thumb.count(), 1);
  await field.locator('[data-testid=sync-state][data-pending="0"][data-photos="0"]').waitFor();

  const desk = await open('/desk');
  await login(desk, 'desk');
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.getByRole('link', { name: '处理' }).click();
  await desk.locator('[data-testid=field-order-detail] [data-testid=photos] img').waitFor();
});

e2eTest('9 · offline, an order keeps its photos, and the list marks orders with changes not yet sent', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `车库顶棚滴水 ${tag}`;
  await reportOrder(text);
  const field = await openField(open, 'guanjia1');
  await openOrder(field, text);
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  await field.locator('input[type=file]').setInputFiles({ name: 'IMG_0003.png', mimeType: 'image/png', buffer: png });
  const thumb = field.locator('[data-testid=field-order-detail] [data-testid=photos] img');
  await thumb.waitFor();
  await synced(field);
  // Seen once online under the service worker, the photo stays on the tablet.
  await field.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await field.reload();
  await field.waitForFunction((img) => img.complete && img.naturalWidth === 1, await thumb.elementHandle());

  await field.context().setOffline(true);
  await field.reload();
  await field.locator('[data-testid=field-order-detail]').filter({ hasText: text }).waitFor();
  await field.waitForFunction((img) => img.complete && img.naturalWidth === 1, await thumb.elementHandle());

  // A note made offline: the list says the order has something still to send.
  await addNote(field, `拍照留档 ${tag}`);
  await field.getByRole('link', { name: '← 返回列表' }).click();
  await orderRow(field, text).locator('[data-testid=unsent]').waitFor();
  await field.context().setOffline(false);
  await synced(field);
  await orderRow(field, text).locator('[data-testid=unsent]').waitFor({ state: 'detached' });
});

e2eTest('a photo taken offline survives a reload and a logout, and reaches the desk when its taker logs in again', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `楼道灯罩破裂 ${tag}`;
  await reportOrder(text);
  const field = await openField(open, 'guanjia1');
  await openOrder(field, text);
  await field.context().setOffline(true);
  const width = 2 + (Date.now() % 50);
  const png = pngOf(width, [Date.now() % 256, 90, 40]);
  await field.locator('input[type=file]').setInputFiles({ name: 'IMG_0201.png', mimeType: 'image/png', buffer: png });
  // Shown at once from the tablet, counted in the sync badge.
  const thumb = field.locator('[data-testid=field-order-detail] [data-testid=photos] img');
  await field.waitForFunction(([img, w]) => img.complete && img.naturalWidth === w, [await thumb.elementHandle(), width]);
  const badge = field.locator('[data-testid=sync-state]');
  await badge.and(field.locator('[data-photos="1"][data-pending="1"]')).filter({ hasText: '照片待传 1' }).waitFor();

  // Reloaded offline: the photo and its event are still there.
  await field.reload();
  await field.locator('[data-testid=sync-state][data-online="false"][data-photos="1"][data-pending="1"]').waitFor();
  await field.locator('[data-testid=field-order-detail]').filter({ hasText: text }).waitFor();
  await field.waitForFunction(([img, w]) => img.complete && img.naturalWidth === w, [await thumb.elementHandle(), width]);

  // Logged out with the work unsent: the login says it is kept for its taker.
  await field.getByRole('button', { name: '退出' }).first().click();
  await field.getByTestId('left-behind').filter({ hasText: '1 条记录、1 张照片未发送' }).waitFor();

  // Back online, the taker logs in again: the photo goes up first, then its event.
  await field.context().setOffline(false);
  await login(field, 'guanjia1');
  await synced(field);
  assert.equal(await field.locator('[data-testid=rejected]').count(), 0, 'nothing was refused');

  const desk = await open('/desk');
  await login(desk, 'desk');
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.getByRole('link', { name: '处理' }).click();
  const seen = desk.locator('[data-testid=field-order-detail] [data-testid=photos] img');
  await seen.waitFor();
  await desk.waitForFunction(([img, w]) => img.complete && img.naturalWidth === w, [await seen.elementHandle(), width]);
});
