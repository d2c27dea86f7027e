// The front desk works an order from its inbox — dispatch, completion heard by phone, the
// callback with the resident's score, the close — and a caretaker's edit made offline before
// the close but arriving after it is kept as a conflict that only a supervisor settles.
// See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { assignTo, callBack, e2eTest, login, reportOrder, synced } from '../lib.mjs';

/** Logs `user` in on /desk and opens the order with `text` from the inbox. */
async function openOnDesk(open, user, text) {
  const page = await open('/desk');
  await login(page, user);
  await synced(page);
  // Closed orders too: the state filter shows every order.
  await page.getByLabel('状态').selectOption('all');
  const row = page.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.getByRole('link', { name: '处理' }).click();
  await page.locator('[data-testid=field-order-detail]').filter({ hasText: text }).waitFor();
  return page;
}

function status(page, label) {
  return page
    .locator('[data-testid=field-order-detail] [data-testid=order-status]')
    .filter({ hasText: label });
}

e2eTest('the desk works an order to its close, and a stale offline edit becomes a conflict a supervisor settles', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `客厅吊灯不亮 ${tag}`;
  await reportOrder(text);

  // The caretaker goes to the door with no network and records the arrival there.
  const caretaker = await open('/field');
  await login(caretaker, 'guanjia1');
  await synced(caretaker);
  await caretaker.context().setOffline(true);
  // A sync that left before the cut may still land and say "online": the next one finds out.
  await caretaker.getByRole('button', { name: '立即同步' }).click();
  await caretaker.locator('[data-testid=sync-state][data-online="false"]').waitFor();
  const card = caretaker.locator('[data-testid=field-order]').filter({ hasText: text });
  await card.getByRole('link').click();
  await caretaker.getByRole('button', { name: '到场' }).click();
  await status(caretaker, '处理中').waitFor();

  // Meanwhile the desk dispatches, hears by phone that it is done, calls back and closes.
  const desk = await openOnDesk(open, 'desk', text);
  await assignTo(desk, '李明');
  await desk.getByLabel('确认分类').selectOption('equipment');
  await desk.getByRole('button', { name: '完工' }).click();
  await status(desk, '已完工').waitFor();
  await callBack(desk, 5);
  await status(desk, '已回访').waitFor();
  await desk.getByRole('button', { name: '关闭工单' }).click();
  await status(desk, '已关闭').waitFor();
  await synced(desk);
  // The inbox row says so too, with the confirmed category.
  await desk.getByRole('link', { name: '← 返回列表' }).click();
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.locator('[data-testid=order-status]').filter({ hasText: '已关闭' }).waitFor();
  await row.filter({ hasText: '设备设施' }).waitFor();

  // The caretaker's arrival, made before the close, reaches the server after it.
  await caretaker.context().setOffline(false);
  await synced(caretaker);
  await status(caretaker, '已关闭').waitFor();
  await caretaker.locator('[data-testid=conflict]').waitFor();
  assert.equal(
    await caretaker.locator('[data-testid=conflict]').getByRole('button', { name: '已处理' }).count(),
    0,
    'a caretaker cannot settle a conflict',
  );

  // The front desk sees the conflict but may not settle it either.
  await desk.getByRole('button', { name: '立即同步' }).click();
  await synced(desk);
  await row.filter({ hasText: '有冲突' }).waitFor();
  await row.getByRole('link', { name: '处理' }).click();
  await desk.locator('[data-testid=conflict]').filter({ hasText: '到场' }).waitFor();
  assert.equal(await desk.locator('[data-testid=conflict]').getByRole('button', { name: '已处理' }).count(), 0);

  // The customer-service supervisor settles it; the order stays closed.
  const supervisor = await openOnDesk(open, 'cs', text);
  const conflict = supervisor.locator('[data-testid=conflict]').filter({ hasText: '关闭前做出、关闭后送达' });
  await conflict.getByRole('button', { name: '已处理' }).click();
  await supervisor.locator('[data-testid=conflict]').waitFor({ state: 'detached' });
  await status(supervisor, '已关闭').waitFor();
  await synced(supervisor);

  // Everyone agrees once synced: closed, no conflict left.
  for (const page of [desk, caretaker]) {
    await page.getByRole('button', { name: '立即同步' }).click();
    await synced(page);
    await page.locator('[data-testid=conflict]').waitFor({ state: 'detached' });
    await status(page, '已关闭').waitFor();
  }
});

e2eTest('the desk dispatches to a colleague chosen from the estate staff directory', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `单元门禁坏了 ${tag}`;
  await reportOrder(text);
  const desk = await openOnDesk(open, 'desk', text);
  // Lists show the number masked; the full one is asked for (and audited) to call back.
  await desk.locator('[data-testid=field-order-detail]').filter({ hasText: '138****8000' }).waitFor();
  await desk.getByRole('button', { name: /显示完整号码/ }).click();
  await desk.locator('[data-testid=contact]').filter({ hasText: '13800138000' }).waitFor();
  // The directory offers the estate's caretakers and technicians by name and role.
  await desk.getByRole('radio', { name: '张强 · 维修人员' }).waitFor();
  await assignTo(desk, '张强');
  await synced(desk);
  // The technician's tablet shows the order as given to them.
  const tech = await open('/field');
  await login(tech, 'tech1');
  await synced(tech);
  await tech.locator('[data-testid=field-order]').filter({ hasText: text }).filter({ hasText: '张强' }).waitFor();
});
