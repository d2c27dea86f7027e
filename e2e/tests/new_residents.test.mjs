// New residents (V-2): the desk enters a household's move-in day on the site map's household
// panel; the household's cell reads "new resident overdue" once the 3 days are past, and the
// desk's list of new residents to visit shows it with its deadline, overdue.

import assert from 'node:assert/strict';
import { e2eTest, login, synced } from '../lib.mjs';

/** `days` days before today in the estate (UTC+08:00), `2026-12-02`. */
function daysAgo(days) {
  const d = new Date(Date.now() + 8 * 3600_000 - days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

e2eTest('a move-in day entered on the site map puts the household on the desk\'s list of new residents to visit', async ({ open }) => {
  const manage = await open('/manage');
  await login(manage, 'cs');
  await manage.locator('[data-testid=sitemap]').waitFor();
  await synced(manage);
  const building = manage.locator('[data-testid=building][data-building="11"]');
  await building.click();
  const grid = manage.locator('[data-testid=building-grid]');
  const cell = grid.locator('[data-testid=cell][data-room="101"]').first();
  await cell.waitFor();
  await cell.click();
  const panel = manage.locator('[data-testid=household]');
  await panel.getByTestId('moved-in').fill(daysAgo(5));
  await panel.getByTestId('moved-in-save').click();
  await panel.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  await grid.locator('[data-testid=cell][data-room="101"][data-status=overdue_new]').first().waitFor();

  // A date that is not one is refused by name, in Chinese.
  await panel.getByTestId('moved-in').fill('1999-01-01');
  await panel.getByTestId('moved-in-save').click();
  await panel.getByTestId('moved-in-error').filter({ hasText: '入住日期' }).waitFor();

  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  const list = desk.getByTestId('new-residents');
  await list.waitFor();
  assert.match(await list.locator('summary').innerText(), /新入住待走访.*1 户已逾期/);
  await list.locator('summary').click();
  const row = list.getByTestId('new-resident');
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), /11栋.*101.*已逾期/);
});
