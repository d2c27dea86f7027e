// The estate picker of the top bar: an area manager who answers for a region with two estates
// (the demo's 翠湖花园 and 滨江壹号) switches between them on the field app, the choice is
// remembered, and a tablet gone offline still has both.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, synced } from '../lib.mjs';

function orderRow(page, text) {
  return page.locator('[data-testid=field-order]').filter({ hasText: text });
}

async function pick(page, name) {
  await page.locator('[data-testid=estate-picker]').selectOption({ label: name });
  await page.getByRole('heading', { level: 1 }).filter({ hasText: name }).waitFor();
}

e2eTest('an area manager picks the estate in the top bar, and an offline tablet keeps both', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `东门岗亭的灯不亮 ${tag}`;
  await reportOrder(text);

  const field = await open('/field');
  await login(field, 'area');
  await synced(field);
  const picker = field.locator('[data-testid=estate-picker]');
  const options = await picker.locator('option').allInnerTexts();
  assert.deepEqual([...options].sort(), ['滨江壹号', '翠湖花园'].sort(), 'the region\'s two estates, no other');

  await pick(field, '翠湖花园');
  await synced(field);
  await orderRow(field, text).waitFor();

  // The other estate: its own year of orders, and not this one.
  await pick(field, '滨江壹号');
  await synced(field);
  await field.locator('[data-testid=field-order]').first().waitFor();
  assert.equal(await orderRow(field, text).count(), 0, '翠湖花园\'s order is not in 滨江壹号\'s list');

  // Remembered: a reload opens the estate picked last.
  await field.reload();
  await field.getByRole('heading', { level: 1 }).filter({ hasText: '滨江壹号' }).waitFor();
  await synced(field);

  // Offline, after a reload: both estates are still on the device.
  await field.context().setOffline(true);
  await field.reload();
  await field.locator('[data-testid=sync-state][data-online="false"]').waitFor();
  await field.locator('[data-testid=field-order]').first().waitFor();
  await pick(field, '翠湖花园');
  await orderRow(field, text).waitFor();
  await pick(field, '滨江壹号');
  await field.locator('[data-testid=field-order]').first().waitFor();
  assert.equal(await orderRow(field, text).count(), 0);
  await field.context().setOffline(false);
});

e2eTest('a front desk clerk of one estate is shown no picker', async ({ open }) => {
  const desk = await open('/desk');
  await login(desk, 'desk');
  await desk.locator('[data-testid=me]').waitFor();
  assert.equal(await desk.locator('[data-testid=estate-picker]').count(), 0);
});

e2eTest('the desk lists the picked estate\'s orders, from what sync brought', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  const text = `单元门禁刷卡没反应 ${tag}`;
  const receipt = await reportOrder(text);

  const desk = await open('/desk');
  await login(desk, 'area');
  await desk.locator('[data-testid=me]').waitFor();
  await pick(desk, '翠湖花园');
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.waitFor();
  // The reference number came with the report through sync.
  await row.filter({ hasText: receipt.reference }).waitFor();

  await pick(desk, '滨江壹号');
  await desk.locator('[data-testid=order-row]').first().waitFor();
  assert.equal(await row.count(), 0);
});
