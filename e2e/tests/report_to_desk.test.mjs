// The first flow, end to end: a resident reports a leak on the public form (the category
// is suggested in the browser as they type), bad input is refused with a message naming the
// field in Chinese or English, and the front desk sees the order with live deadline timers.
// The tests run in order against one server; see ../lib.mjs for how to run them.

import assert from 'node:assert/strict';
import { BASE_URL, e2eTest } from '../lib.mjs';

const REPORT_FORM = '/r/cuihu';
const DESK_LOGIN = { user: 'desk', password: 'anju-demo-2026' };
/** A countdown as the desk shows it: "12:34", "1:02:03", or "… 分钟". */
const COUNTDOWN = /\d+:\d\d|分钟/;

/** The place and contact fields of the report form, with valid values. */
async function fillPlaceAndContact(page, phone) {
  // Index 0 is the "please choose" placeholder; units appear once a building is chosen,
  // and selectOption waits for them.
  await page.getByLabel('楼栋').selectOption({ index: 1 });
  await page.getByLabel('单元').selectOption({ index: 1 });
  await page.getByLabel('房号').fill('201');
  await page.getByLabel('手机号').fill(phone);
}

/** Logs in on /desk in a fresh context and waits for the inbox. */
async function openDesk(open) {
  const page = await open('/desk');
  await page.getByLabel('用户名').fill(DESK_LOGIN.user);
  await page.getByLabel('密码').fill(DESK_LOGIN.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=order-row]').first().waitFor();
  return page;
}

/** Whether the element's text changes within `ms`. */
async function changesWithin(locator, ms) {
  const before = await locator.innerText();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if ((await locator.innerText()) !== before) return true;
  }
  return false;
}

e2eTest('health answers with version and database', async () => {
  const response = await fetch(`${BASE_URL}/api/health`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.ok('version' in body, `no version in ${JSON.stringify(body)}`);
  assert.ok('database' in body, `no database in ${JSON.stringify(body)}`);
});

e2eTest('a resident reports a leak and the front desk sees it with live timers', async ({ open }) => {
  const resident = await open(REPORT_FORM);
  // Typed key by key, so the app sees input events and classifies as the resident types.
  await resident.getByLabel('问题描述').pressSequentially('卫生间漏水,请尽快来修');
  await resident.locator('[data-testid=suggestion]').filter({ hasText: '报修' }).waitFor();
  await fillPlaceAndContact(resident, '13812345678');
  await resident.getByRole('button', { name: '提交' }).click();
  const reference = resident.locator('[data-testid=reference]').filter({ hasText: /\S/ });
  await reference.waitFor();
  // The form is its own small module: the staff app is not downloaded, nothing is installed.
  const fetched = await resident.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname),
  );
  assert.ok(fetched.includes('/anju_report_bg.wasm'), `the form's module: ${fetched}`);
  assert.ok(!fetched.some((path) => path.startsWith('/anju_app')), `staff app fetched: ${fetched}`);
  const workers = await resident.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).length,
  );
  assert.equal(workers, 0, 'the resident form installs no service worker');

  // The receipt's tracking link opens this order's progress, personal fields masked.
  const referenceText = (await reference.innerText()).trim();
  await resident.getByTestId('tracking-link').click();
  const tracking = resident.getByTestId('tracking');
  await tracking.waitFor();
  assert.ok((await tracking.innerText()).includes(referenceText), 'the tracking page shows the reference');
  assert.match(await resident.getByTestId('track-status').innerText(), /\S/);
  assert.equal(await resident.getByTestId('track-phone').innerText(), '138****5678');
  assert.ok(!(await resident.content()).includes('13812345678'), 'no full phone number on the page');
  await resident.goto(`${BASE_URL}/t/${'0'.repeat(64)}`);
  await resident.getByRole('alert').filter({ hasText: '找不到这条报事' }).waitFor();

  const desk = await openDesk(open);
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: '卫生间漏水' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /报修/, 'the row shows the category');
  const timers = ['countdown-dispatch', 'countdown-response'].map((id) => ({
    id,
    locator: row.locator(`[data-testid=${id}]`),
  }));
  for (const { id, locator } of timers) {
    await locator.waitFor();
    assert.match(await locator.innerText(), COUNTDOWN, `${id} shows a countdown`);
  }
  const live = await Promise.all(timers.map(({ locator }) => changesWithin(locator, 3_000)));
  timers.forEach(({ id }, i) => assert.ok(live[i], `${id} did not change within 3 s`));
});

// After the flow above, so the desk's inbox has a row to wait for.
e2eTest('bad input is refused with a message naming the field, in Chinese and English', async ({ open }) => {
  const form = await open(REPORT_FORM);
  const alert = (text) => form.locator('[role=alert]').filter({ hasText: text }).first();
  const description = `楼道灯不亮 e2e-${Date.now()}`;

  await form.getByRole('button', { name: '提交' }).click();
  await alert('问题描述').waitFor();

  await form.getByLabel('问题描述').pressSequentially(description);
  await fillPlaceAndContact(form, '12345');
  await form.getByRole('button', { name: '提交' }).click();
  await alert('手机号').waitFor();
  assert.equal(await form.locator('[data-testid=reference]').count(), 0, 'no reference for bad input');

  await form.getByRole('button', { name: 'English' }).click();
  const english = form.getByLabel('Description');
  await english.waitFor();
  await english.fill('');
  await form.getByRole('button', { name: 'Submit' }).click();
  await alert('Description').waitFor();
  assert.equal(await form.locator('[data-testid=reference]').count(), 0, 'no reference for bad input');

  const desk = await openDesk(open);
  const created = desk.locator('[data-testid=order-row]').filter({ hasText: description });
  assert.equal(await created.count(), 0, 'the refused report reached the desk');
});

e2eTest('a resident attaches a photo to the report and the desk sees it with the order', async ({ open }) => {
  const page = await open(REPORT_FORM);
  const description = `阳台顶上渗水 e2e-${Date.now()}`;
  await page.getByLabel('问题描述').fill(description);
  await fillPlaceAndContact(page, '13800138000');
  // A 1×1 PNG, as a phone's camera would hand over a file.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  await page.locator('#report-photos').setInputFiles({ name: 'IMG_2001.png', mimeType: 'image/png', buffer: png });
  await page.locator('[data-testid=report-photos]').filter({ hasText: '已添加 1 张照片' }).waitFor();
  await page.getByRole('button', { name: '提交' }).click();
  await page.locator('[data-testid=reference]').filter({ hasText: /\S/ }).waitFor();

  const desk = await openDesk(open);
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: description });
  await row.getByRole('link', { name: '处理' }).click();
  const img = desk.locator('[data-testid=field-order-detail] [data-testid=photos] img');
  await img.waitFor();
  await desk.waitForFunction((el) => el.complete && el.naturalWidth === 1, await img.elementHandle());
});
