// The desk registers a report heard by phone (issue #16, 000 3.5): the channel recorded, the
// place chosen from the site plan when the number belongs to no household, the text classified
// live as on the resident form, an urgent text marked as a help request; the order is then
// found in the inbox by the caller's phone. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, synced } from '../lib.mjs';

e2eTest('a phone report registered by the desk is found by the caller’s phone', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const tail = String(Date.now()).slice(-4);
  const phone = `1390000${tail}`;
  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  await desk.getByRole('link', { name: '登记报事' }).click();
  const form = desk.getByTestId('intake');
  await form.getByLabel('渠道').selectOption('phone');
  await form.getByLabel('来电号码').fill(phone);
  await form.getByRole('button', { name: '按号码查找住户' }).click();
  // A number no resident of the estate has: the desk chooses the place itself.
  await form.getByTestId('callers-none').waitFor();
  await form.getByLabel('来电人姓名', { exact: false }).fill('陈先生');
  await form.getByLabel('楼栋').selectOption({ index: 1 });
  await form.getByLabel('单元').selectOption({ index: 1 });
  await form.getByLabel('房号').fill('302');
  // Classified live, as on the resident form; an urgent text is a help request.
  await form.getByLabel('问题描述').fill(`厨房燃气泄漏,闻到很大煤气味 ${tag}`);
  await form.getByTestId('intake-urgent').waitFor();
  assert.match(await form.getByTestId('intake-suggestion').innerText(), /系统建议:/);
  await form.getByRole('button', { name: '登记', exact: true }).click();

  // The order opens at its address, urgent, from the phone, with the number masked.
  const card = desk.locator('[data-testid=field-order-detail]').filter({ hasText: tag });
  await card.waitFor();
  await card.getByText(`139****${tail}`).waitFor();
  await card.locator('.chip.urgent').first().waitFor();
  await synced(desk);
  await desk.getByTestId('timeline').getByText(/客服前台 · 报事/).waitFor();

  // Found in the inbox by the caller's phone.
  await desk.getByRole('link', { name: '工单', exact: true }).click();
  await desk.getByLabel('搜索', { exact: false }).fill(tail);
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: tag });
  await row.waitFor();
  assert.match(await row.innerText(), /1栋1单元302/);
  // The full number stays on the server: the reveal (audited) shows it.
  await row.getByRole('link', { name: '处理' }).click();
  await desk.getByRole('button', { name: '显示完整号码', exact: false }).click();
  await desk.getByTestId('contact').filter({ hasText: `陈先生 ${phone}` }).waitFor();
});
