// Paid work (issue #16): the estate's manager keeps the price list on /manage/prices (a
// negative price refused by name, nothing saved); a technician quotes a repair from it, a bad
// quantity refused by the same shared check as the server's, the total shown and agreed by
// the resident before the work, and the completed order carries the amount.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, synced } from '../lib.mjs';

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
  await manage.getByRole('button', { name: '保存价目表' }).click();
  await manage.getByTestId('price-error').filter({ hasText: '单价:第 1 行:价格不能为负数' }).waitFor();
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
});
