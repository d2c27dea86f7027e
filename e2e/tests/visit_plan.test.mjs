// The monthly visit plan (V-1): a supervisor sees the proposal drawn as each caretaker's
// load, moves a household from one caretaker to the other and approves; the caretaker it went
// to finds it on their visit list, opens the visit form on it in one tap, records the visit
// with an issue the household raised (an order at once) and sees it done — and the list is still there offline after a reload; the other caretaker
// does not see it.

import assert from 'node:assert/strict';
import { e2eTest, login, synced } from '../lib.mjs';

/** This month as the estate counts it (UTC+08:00), `2026-12`. */
function thisMonth() {
  const now = new Date(Date.now() + 8 * 3600_000);
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

e2eTest('a supervisor approves the month\'s plan and the caretaker works their part of it, offline too', async ({ open }) => {
  const manage = await open('/manage/plan');
  await login(manage, 'cs');
  await manage.locator('[data-testid=plan-status]').waitFor();
  await manage.locator('[data-testid=plan-month]').fill(thisMonth());
  await manage.locator('[data-testid=plan-status][data-status=proposed]').waitFor();
  // The load of both caretakers, drawn.
  assert.equal(await manage.locator('[data-testid=plan-load]').count(), 2);
  const liMing = manage.locator('[data-testid=plan-caretaker][data-caretaker=stf-guanjia1]');
  await liMing.locator('summary').click();
  const item = liMing.locator('[data-testid=plan-item]').first();
  const household = await item.getAttribute('data-household');
  await item.locator('[data-testid=plan-move]').selectOption('stf-guanjia2');
  const chenFang = manage.locator('[data-testid=plan-caretaker][data-caretaker=stf-guanjia2]');
  await chenFang.locator(`[data-testid=plan-item][data-household="${household}"]`).waitFor({ state: 'attached' });
  await manage.locator('[data-testid=plan-approve]').click();
  await manage.locator('[data-testid=plan-status][data-status=approved]').waitFor();
  await manage.locator('[data-testid=plan-message]').waitFor();

  // 陈芳's tablet: the household is on her list; one tap opens the visit form on it.
  const field = await open('/field');
  await login(field, 'guanjia2');
  await synced(field);
  await field.locator('[data-testid=open-round]').click();
  const row = field.locator(`[data-testid=round-row][data-household="${household}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-done'), 'false');
  // Its residents, masked, asked of the server on a tap (contacts are not kept on the tablet).
  await row.getByTestId('round-residents').click();
  await row.locator('ul.residents').waitFor({ state: 'attached' });
  for (const phone of await row.getByTestId('round-resident').allInnerTexts()) {
    assert.match(phone, /\d{3}\*{4}\d{4}/, 'masked');
  }
  await row.getByRole('link').click();
  await field.waitForURL(/\/field\/visit\?household=/);
  assert.equal(await field.locator('#visit-room').inputValue(), household, 'the room is chosen already');
  // The household raised an issue: it becomes an order in the same step.
  const issue = `厨房水龙头一直滴水 e2e-${Date.now()}`;
  await field.locator('#visit-issue').fill(issue);
  await field.getByRole('button', { name: '登记走访' }).click();
  await field.waitForURL(/\/field$/);
  await field.locator('[data-testid=field-order]').filter({ hasText: issue }).waitFor();
  await field.locator('[data-testid=open-round]').click();
  await field.locator(`[data-testid=round-row][data-household="${household}"][data-done=true]`).waitFor();
  await synced(field);

  // Offline after a reload: the list is still on the tablet.
  await field.context().setOffline(true);
  await field.reload();
  await field.locator('[data-testid=sync-state][data-online="false"]').waitFor();
  await field.locator(`[data-testid=round-row][data-household="${household}"][data-done=true]`).waitFor();
  await field.context().setOffline(false);

  // 李明 no longer has it.
  const other = await open('/field/round');
  await login(other, 'guanjia1');
  await synced(other);
  await other.locator('[data-testid=round-row]').first().waitFor();
  assert.equal(await other.locator(`[data-testid=round-row][data-household="${household}"]`).count(), 0);
});
