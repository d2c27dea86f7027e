// The resident's side on a phone (issue #11): the receipt at the top with the focus on it,
// the tracking link inside the screen with copy and open buttons, another report from the
// same home (2); the tracking page with the room and the resident's own words, and no way
// from the resident's pages into the staff portal (2); a visible length limit, the focus on
// the error summary after a failed submit, and each error tied to its field (10).
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { accessibilityProblems, e2eTest } from '../lib.mjs';

const PHONE = { width: 390, height: 844 };

async function fillPlace(page, phone) {
  await page.getByLabel('楼栋').selectOption({ index: 1 });
  await page.getByLabel('单元').selectOption({ index: 1 });
  await page.getByLabel('房号').fill('201');
  await page.getByLabel('手机号').fill(phone);
}

e2eTest('2 · on a phone the receipt shows at the top, its link inside the screen, with copy, open and report-another', async ({ open }) => {
  const page = await open('/r/cuihu');
  await page.setViewportSize(PHONE);
  const description = `厨房下水道堵了 e2e-${Date.now()}`;
  await page.getByLabel('问题描述').fill(description);
  await fillPlace(page, '13800138000');
  await page.getByRole('button', { name: '提交' }).click();
  const heading = page.getByRole('heading', { name: '已收到您的报事' });
  await heading.waitFor();
  await page.waitForFunction(() => document.activeElement?.textContent === '已收到您的报事');
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the receipt is at the top');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page is ${width} px wide on a ${PHONE.width} px screen`);
  const link = page.getByTestId('tracking-link');
  const box = await link.boundingBox();
  assert.ok(box.x + box.width <= PHONE.width && box.height >= 44, JSON.stringify(box));
  await page.getByRole('button', { name: '复制链接' }).waitFor();
  // The receipt and the tracking page are states of their own: checked on the way.
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core on the receipt');
  // Nothing on the resident's pages leads into the staff portal.
  assert.equal(await page.getByRole('link', { name: '安居' }).count(), 0);

  // The progress page names the room and shows what the resident wrote.
  await page.getByRole('link', { name: '查看进度' }).click();
  await page.getByTestId('tracking').waitFor();
  assert.equal(await page.getByTestId('track-text').innerText(), description);
  assert.match(await page.getByTestId('track-place').innerText(), /201/);
  assert.equal(await page.getByRole('link', { name: '安居' }).count(), 0);
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core on the tracking page');
  await page.goBack();
  await page.getByLabel('问题描述').waitFor();

  // Another problem: the form again, empty.
  const again = await open('/r/cuihu');
  await again.setViewportSize(PHONE);
  await again.getByLabel('问题描述').fill(`阳台灯不亮 e2e-${Date.now()}`);
  await fillPlace(again, '13800138000');
  await again.getByRole('button', { name: '提交' }).click();
  await again.getByRole('link', { name: '再报一个问题' }).click();
  await again.getByRole('button', { name: '提交' }).waitFor();
  assert.equal(await again.getByLabel('问题描述').inputValue(), '');
});

e2eTest('10 · the form shows its length limit, focuses the error summary and ties each error to its field', async ({ open }) => {
  const page = await open('/r/cuihu');
  await page.setViewportSize(PHONE);
  const text = page.getByLabel('问题描述');
  // Pasted: far more than the form keeps.
  await text.fill('漏'.repeat(600));
  const counter = page.locator('#n');
  await counter.filter({ hasText: '500/500' }).filter({ hasText: '删去' }).waitFor();
  assert.equal(await text.getAttribute('aria-describedby'), 'n report-text-e', 'the counter is read with the field');
  await text.fill('卫生间漏水');
  await counter.filter({ hasText: /^5\/500$/ }).waitFor();

  await fillPlace(page, '12345');
  await page.getByRole('button', { name: '提交' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'report-errors');
  const summary = page.locator('#report-errors');
  assert.match(await summary.innerText(), /手机号/);
  // The phone field says what is wrong with it, to a screen reader too.
  const described = await page.getByLabel('手机号').getAttribute('aria-describedby');
  const said = await page.locator(`#${described}`).innerText();
  assert.match(said, /手机号/);
});

e2eTest('the site icon is an icon, not the app page', async () => {
  const { BASE_URL } = await import('../lib.mjs');
  const response = await fetch(`${BASE_URL}/favicon.ico`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^image\//);
});

e2eTest('10 · the room field offers the rooms of the chosen unit', async ({ open }) => {
  const page = await open('/r/cuihu');
  await page.setViewportSize(PHONE);
  await page.getByLabel('楼栋').selectOption({ index: 1 });
  await page.getByLabel('单元').selectOption({ index: 1 });
  const rooms = page.locator('[data-testid=rooms] option');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=rooms] option').length > 0);
  const offered = await rooms.evaluateAll((list) => list.map((o) => o.value));
  assert.ok(offered.includes('201'), offered.join(' '));
  assert.equal(await page.getByLabel('房号').getAttribute('list'), 'report-rooms');
  // Another unit, other rooms (or the same numbers): the list follows the choice.
  await page.getByLabel('单元').selectOption({ index: 0 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=rooms] option').length === 0);
});

e2eTest('10 · an added photo shows as a thumbnail the resident can take out again', async ({ open }) => {
  const page = await open('/r/cuihu');
  await page.setViewportSize(PHONE);
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  await page.locator('#report-photos').setInputFiles({ name: 'IMG_3001.png', mimeType: 'image/png', buffer: png });
  const thumb = page.getByRole('img', { name: '照片 1' });
  await thumb.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid=report-thumbs] img');
    return img && img.complete && img.naturalWidth === 1;
  });
  await page.locator('[data-testid=report-photos]').filter({ hasText: '已添加 1 张照片' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core with a thumbnail');
  await page.getByRole('button', { name: '删除照片 1' }).click();
  await thumb.waitFor({ state: 'detached' });
  assert.equal((await page.getByTestId('report-photos').innerText()).trim(), '', 'no photo counted');
});
