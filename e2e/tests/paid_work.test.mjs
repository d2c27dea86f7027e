// Paid work (issue #16): the estate's manager keeps the price list on /manage/prices (a
// negative price refused by name, nothing saved); a technician quotes a repair from it, a bad
// quantity refused by the same shared check as the server's, the total shown and agreed by
// the resident before the work, and the completed order carries the amount, shown on the
// desk's row. A special service (特约服务) is not completed before its quote is agreed — the
// tablet quotes offline from the list it keeps — and the month's billing statement bills the
// household: its page, the finance total, the workbook and the print view.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, signOnPad, synced } from '../lib.mjs';

e2eTest('a manager prices a service and a technician quotes it, agreed before the work, the amount on the completed order', async ({ open }) => {
  const manage = await open('/manage/prices');
  await login(manage, 'pm');
  const editor = manage.getByTestId('price-editor');
  await editor.waitFor();
  await manage.getByRole('button', { name: '添加一项' }).click();
  const row = editor.getByTestId('price-row').last();
  await row.getByLabel('编号').fill('tap');
  await row.getByLabel('服务项目').fill('更换水龙头');
  await row.getByLabel('单位').fill('个');
  await row.getByLabel('单价(元)').fill('-35');
  // The estate's list already holds the demo's services: the new line is the last one.
  const line = await editor.getByTestId('price-row').count();
  await manage.getByRole('button', { name: '保存价目表' }).click();
  await manage.getByTestId('price-error').filter({ hasText: `单价:第 ${line} 行:价格不能为负数` }).waitFor();
  await row.getByLabel('单价(元)').fill('35');
  await manage.getByRole('button', { name: '保存价目表' }).click();
  await manage.getByRole('status').filter({ hasText: '价目表已保存' }).waitFor();
  assert.equal(await row.getByLabel('单价(元)').inputValue(), '35.00');

  const text = `厨房水龙头坏了要更换 e2e-${Date.now()}`;
  await reportOrder(text);
  const tech = await open('/field');
  await login(tech, 'tech1');
  await synced(tech);
  const free = tech.locator('[data-testid=tech-free]').filter({ hasText: text });
  await free.getByRole('button', { name: '接单' }).click();
  const mine = tech.locator('[data-testid=tech-mine]').filter({ hasText: text });
  await mine.waitFor();
  await mine.getByRole('link').click();
  const card = tech.locator('[data-testid=field-order-detail]').filter({ hasText: text });
  await card.waitFor();

  // A negative quantity is refused by the shared check, naming the field.
  const quote = tech.getByTestId('quote');
  await quote.getByLabel('收费项目').selectOption('tap');
  await quote.getByLabel('数量').fill('-1');
  await quote.getByRole('button', { name: '加入报价' }).click();
  await quote.getByRole('button', { name: '业主已确认报价' }).click();
  await tech.getByTestId('order-error').filter({ hasText: '数量:第 1 行' }).waitFor();
  await quote.getByRole('button', { name: '清空' }).click();
  // Two taps: the total is shown, and the resident agrees before the work starts.
  await quote.getByLabel('数量').fill('2');
  await quote.getByRole('button', { name: '加入报价' }).click();
  await quote.getByTestId('quote-total').filter({ hasText: '¥70.00' }).waitFor();
  await quote.getByRole('button', { name: '业主已确认报价' }).click();
  await quote.getByTestId('quote-agreed').filter({ hasText: '¥70.00' }).waitFor();

  await tech.getByRole('button', { name: '到场' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '处理中' }).waitFor();
  await tech.getByLabel('电话确认人').fill('业主王女士');
  await tech.getByRole('button', { name: '记录电话确认' }).click();
  await tech.getByTestId('confirmed').filter({ hasText: '已电话确认' }).waitFor();
  await tech.getByRole('button', { name: '完工' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await quote.getByTestId('paid-amount').filter({ hasText: '¥70.00' }).waitFor();
  await synced(tech);
  await tech.getByTestId('timeline').getByText(/业主确认报价 70.00 元/).waitFor();
  assert.equal(await tech.getByTestId('rejected').count(), 0, 'nothing refused by the server');

  // The desk sees the amount on the order's row.
  const desk = await open('/desk');
  await login(desk, 'desk');
  await desk.getByLabel('状态').selectOption('all');
  await desk.locator('[data-testid=order-row]').filter({ hasText: text })
    .getByTestId('row-amount').filter({ hasText: '¥70.00' }).waitFor();
});

e2eTest('a special service waits for its agreed quote, quoted offline, and the month\'s statement bills the household', async ({ open }) => {
  const text = `想预约上门保洁两小时 e2e-${Date.now()}`;
  const receipt = await reportOrder(text, '13800138000', { category: 'special_service' });
  const tech = await open('/field');
  await login(tech, 'tech1');
  await synced(tech);
  await tech.locator('[data-testid=tech-free]').filter({ hasText: text }).getByRole('button', { name: '接单' }).click();
  const mine = tech.locator('[data-testid=tech-mine]').filter({ hasText: text });
  await mine.waitFor();
  await mine.getByRole('link').click();
  const card = tech.locator('[data-testid=field-order-detail]').filter({ hasText: text });
  await card.waitFor();
  await tech.getByRole('button', { name: '到场' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '处理中' }).waitFor();

  // In a basement: the price list is on the tablet. Completing before the resident agreed a
  // price is refused by the shared rule, by name; nothing is recorded.
  await tech.context().setOffline(true);
  await tech.getByRole('button', { name: '完工' }).click();
  await tech.getByTestId('order-error').filter({ hasText: '报价:特约服务须先由业主确认报价' }).waitFor();
  assert.equal(await card.locator('[data-testid=order-status]').innerText(), '处理中');
  const quote = tech.getByTestId('quote');
  await quote.getByLabel('收费项目').selectOption('S01');
  await quote.getByLabel('数量').fill('2');
  await quote.getByRole('button', { name: '加入报价' }).click();
  await quote.getByTestId('quote-total').filter({ hasText: '¥100.00' }).waitFor();
  await quote.getByRole('button', { name: '业主已确认报价' }).click();
  await quote.getByTestId('quote-agreed').filter({ hasText: '¥100.00' }).waitFor();
  // The resident signs for the work with a finger, offline too (kept until the upload).
  await signOnPad(tech);
  await tech.getByTestId('confirmed').filter({ hasText: '已由业主签名确认' }).waitFor();
  await tech.getByRole('button', { name: '完工' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await card.getByTestId('order-amount').filter({ hasText: '¥100.00' }).waitFor();
  await tech.context().setOffline(false);
  await synced(tech);
  assert.equal(await tech.getByTestId('rejected').count(), 0, 'nothing refused by the server');

  // The month's billing statement: the household's page with the agreed line, the finance
  // list's total, the workbook to download, and a print view without the app's controls.
  const manage = await open('/manage/billing');
  await login(manage, 'pm');
  const billing = manage.getByTestId('billing');
  await billing.waitFor();
  const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(new Date());
  await manage.getByTestId('billing-month').fill(month);
  const statement = billing.getByTestId('statement').filter({ hasText: receipt.reference });
  await statement.waitFor();
  const words = await statement.innerText();
  assert.match(words, /上门保洁/);
  assert.match(words, /2 小时/);
  assert.match(words, /¥50\.00/);
  assert.match(words, /¥100\.00/);
  assert.match(words, /业主签字/);
  assert.match(await billing.getByTestId('billing-summary').innerText(), /特约服务 [1-9]\d* 单/);
  const href = await billing.getByTestId('billing-xlsx').getAttribute('href');
  assert.match(href, new RegExp(`billing\\.xlsx\\?month=${month}$`));
  const download = await manage.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
  }, href);
  assert.equal(download.status, 200);
  assert.match(download.type, /spreadsheetml/);
  assert.ok(download.size > 1000, `a workbook, not ${download.size} bytes`);
  await manage.emulateMedia({ media: 'print' });
  assert.equal(await manage.locator('nav.tabs').isVisible(), false, 'no tabs on paper');
  assert.equal(await statement.isVisible(), true);
});

e2eTest('the desk registers a special-service request by phone, its services priced from the list', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  await desk.getByRole('link', { name: '登记报事' }).click();
  const form = desk.getByTestId('intake');
  await form.getByLabel('渠道').selectOption('phone');
  await form.getByLabel('楼栋').selectOption({ index: 1 });
  await form.getByLabel('单元').selectOption({ index: 1 });
  await form.getByLabel('房号').fill('1601');
  await form.getByLabel('问题描述').fill(`两台挂机空调想清洗一下 ${tag}`);
  await form.getByLabel('类别').selectOption('special_service');
  const request = form.getByTestId('special-request');
  await request.getByLabel('收费项目').selectOption('S02');
  // A quantity of none is refused by the shared check before anything is recorded.
  await request.getByLabel('数量').fill('0');
  await request.getByRole('button', { name: '加入报价' }).click();
  await form.getByRole('button', { name: '登记', exact: true }).click();
  await form.getByTestId('intake-error').filter({ hasText: '数量:第 1 行' }).waitFor();
  await request.getByRole('button', { name: '清空' }).click();
  await request.getByLabel('数量').fill('2');
  await request.getByRole('button', { name: '加入报价' }).click();
  await request.getByTestId('quote-total').filter({ hasText: '¥160.00' }).waitFor();
  await form.getByRole('button', { name: '登记', exact: true }).click();

  // The order opens as a special service with the agreed quote, and the server takes both.
  const card = desk.locator('[data-testid=field-order-detail]').filter({ hasText: tag });
  await card.waitFor();
  await card.getByTestId('order-category').filter({ hasText: '特约服务' }).waitFor();
  await card.getByTestId('order-quote').filter({ hasText: '¥160.00' }).waitFor();
  await synced(desk);
  await desk.getByTestId('timeline').getByText(/业主确认报价 160.00 元/).waitFor();
  assert.equal(await desk.getByTestId('rejected').count(), 0, 'nothing refused by the server');
});
