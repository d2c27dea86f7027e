// The desk's callbacks (issue #16): the queue with the call allowed only inside the estate's
// callback hours (D-7) — refused at 12:30, allowed at 14:00, the page's clock set to those
// times —, a low score that reopens the order at once and the special callback after the
// re-repair (D-9), and the resident's own rating on the tracking page, shown to the desk
// beside the callback. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, nextShanghai, reportOrder, synced } from '../lib.mjs';

function detail(page) {
  return page.locator('[data-testid=field-order-detail]');
}

/** Logs the desk in, opens the order with `text` and records its completion. */
async function completeOnDesk(open, text) {
  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  await desk.locator('[data-testid=order-row]').filter({ hasText: text }).getByRole('link', { name: '处理' }).click();
  await detail(desk).filter({ hasText: text }).waitFor();
  await desk.getByRole('button', { name: '完工' }).click();
  await detail(desk).locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await synced(desk);
  return desk;
}

e2eTest('a callback is refused at 12:30 and allowed at 14:00; a low score reopens the order and the re-repair gets its special callback', async ({ open }) => {
  const text = `阳台地漏堵塞 e2e-${Date.now()}`;
  const receipt = await reportOrder(text, '13600002468');
  const desk = await completeOnDesk(open, text);

  // 12:30 at the estate: the lunch break. The queue lists the callback, says when the window
  // opens and offers no call but the emergency's.
  await desk.clock.setFixedTime(nextShanghai(12, 30));
  await desk.getByRole('link', { name: '回访队列' }).click();
  const row = desk.locator('[data-testid=callback-row]').filter({ hasText: text });
  await row.locator('[data-testid=callback-window]').filter({ hasText: '现在不可回访:14:00 开放' }).waitFor();
  assert.ok(await row.getByRole('button', { name: `回访 ${receipt.reference}` }).isDisabled());
  // The order's own form says the same: a score alone does not enable the call.
  await row.getByRole('link', { name: `紧急回访 ${receipt.reference}(须填原因)` }).click();
  const form = desk.getByTestId('callback-form');
  await form.locator('[data-testid=callback-window]').filter({ hasText: '14:00 开放' }).waitFor();
  await form.getByLabel('回访评分').selectOption('2');
  const record = form.getByRole('button', { name: '记录回访' });
  assert.ok(await record.isDisabled(), 'no call in the lunch break without an emergency');
  await form.getByLabel('紧急回访原因', { exact: false }).waitFor();

  // 14:00: the window is open; the queue's call leads to the form, which records it.
  await desk.clock.setFixedTime(nextShanghai(14, 0));
  await desk.getByRole('link', { name: '回访队列' }).click();
  await row.locator('[data-testid=callback-window]').filter({ hasText: '回访时段内(至 21:00)' }).waitFor();
  await row.getByRole('link', { name: `回访 ${receipt.reference}` }).click();
  await form.locator('[data-testid=callback-window]').filter({ hasText: '回访时段内' }).waitFor();
  assert.equal(await form.getByLabel('紧急回访原因', { exact: false }).count(), 0);
  await form.getByLabel('回访评分').selectOption('2');
  await form.getByRole('radio', { name: '未解决' }).check();
  await record.click();

  // A score of 2, not solved: the order is back at work at once, with its score shown.
  const card = detail(desk);
  await card.locator('[data-testid=order-status]').filter({ hasText: /待派单|已派单/ }).waitFor();
  await card.locator('[data-testid=order-score]').filter({ hasText: '2 · 不满意' }).waitFor();
  await desk.getByTestId('timeline').getByText(/回访 2 · 不满意 · 未解决/).waitFor();
  await synced(desk);

  // The re-repair is done: the special callback within 24 h is due and queued.
  await desk.getByRole('button', { name: '完工' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  await desk.getByRole('link', { name: '回访队列' }).click();
  await row.filter({ hasText: '返修专项回访' }).waitFor();
  await desk.getByRole('link', { name: '工单', exact: true }).click();
  const inboxRow = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await inboxRow.locator('[data-testid=row-score]').filter({ hasText: '回访 2 · 不满意' }).waitFor();
  await synced(desk);
});

e2eTest('the resident rates the finished work once on the tracking page, and the desk sees it beside the callback', async ({ open }) => {
  const text = `楼道声控灯不亮 e2e-${Date.now()}`;
  const receipt = await reportOrder(text, '13600001357');
  const resident = await open(`/t/${receipt.tracking_token}`);
  await resident.getByTestId('tracking').waitFor();
  // Nothing to rate before the work is done.
  assert.equal(await resident.getByTestId('rate-form').count(), 0);

  const desk = await completeOnDesk(open, text);
  await resident.reload();
  const form = resident.getByTestId('rate-form');
  await form.getByLabel('评分').selectOption('4');
  await form.getByLabel('意见', { exact: false }).fill('师傅很准时');
  await form.getByRole('button', { name: '提交评价' }).click();
  await resident.getByTestId('rate-answer').filter({ hasText: '感谢您的评价' }).waitFor();
  await resident.reload();
  await resident.getByTestId('track-rating').filter({ hasText: '4 · 基本满意' }).waitFor();
  assert.equal(await resident.getByTestId('rate-form').count(), 0, 'rated once');

  // The desk sees the rating on the order and in the callback queue.
  await desk.getByRole('button', { name: '立即同步' }).click();
  await detail(desk).locator('[data-testid=order-rating]').filter({ hasText: '4 · 基本满意 · 师傅很准时' }).waitFor();
  await desk.getByRole('link', { name: '回访队列' }).click();
  await desk
    .locator('[data-testid=callback-row]')
    .filter({ hasText: text })
    .locator('[data-testid=callback-rating]')
    .filter({ hasText: '业主评价 4 · 基本满意' })
    .waitFor();
});
