// An estate's manager sets the estate's rules on /manage — here a shorter dispatch time —
// and the front desk's timers follow them; a mistake is refused with the field named and
// changes nothing. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder } from '../lib.mjs';

/** Writes the override and saves, returning what the page then says. */
async function saveOverride(page, json) {
  await page.getByLabel('对预设的修改', { exact: false }).fill(json);
  await page.getByRole('button', { name: '保存' }).click();
}

e2eTest('a manager shortens the dispatch time and the desk timers follow; a bad date is refused by name', async ({ open }) => {
  const manage = await open('/manage/rules');
  await login(manage, 'pm');
  // The rules have loaded once the presets are offered.
  await manage.locator('#rules-preset option[value=crland]').waitFor({ state: 'attached' });
  assert.equal(await manage.getByLabel('公司预设').inputValue(), 'cmsk');

  // A bad date in the estate's own calendar: refused, the field named, nothing saved.
  await manage.getByLabel('使用本小区自己的日历', { exact: false }).check();
  await manage.getByLabel('节假日', { exact: false }).fill('2027-01-01\n2027-02-30');
  await manage.getByRole('button', { name: '保存' }).click();
  await manage.locator('[data-testid=rules-error]').filter({ hasText: 'calendar.holidays[1]' }).waitFor();
  assert.match(await manage.locator('[data-testid=rules-error]').innerText(), /^未保存/);

  // Five minutes to dispatch, day and night alike.
  await manage.getByLabel('使用本小区自己的日历', { exact: false }).uncheck();
  await saveOverride(manage, '{"dispatch": {"rule": {"minutes": 5, "night_deferred": false}}}');
  await manage.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  assert.match(await manage.locator('[data-testid=rules-effective]').textContent(), /"minutes": 5/);

  try {
    const text = `楼道灯不亮 e2e-${Date.now()}`;
    await reportOrder(text);
    const desk = await open('/desk');
    await login(desk, 'desk');
    const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
    const dispatch = row.locator('[data-testid=countdown-dispatch]');
    await dispatch.waitFor();
    // Under the preset it would be 10 minutes by day, or the next morning at night.
    assert.match(await dispatch.innerText(), /剩 [0-5] 分 \d+ 秒 · \d\d:\d\d 前$/, await dispatch.innerText());
  } finally {
    // Back to the preset as shipped, for the other tests on this server.
    await saveOverride(manage, '');
    await manage.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  }
});

e2eTest('the front desk sees the estate rules but cannot change them', async ({ open }) => {
  const manage = await open('/manage/rules');
  await login(manage, 'desk');
  await manage.getByText('只有项目经理及以上可以修改').waitFor();
  assert.ok(await manage.getByRole('button', { name: '保存' }).isDisabled());
});

e2eTest('7 · a key no rule has is refused by name, next to the save button, and nothing is saved', async ({ open }) => {
  const manage = await open('/manage/rules');
  await login(manage, 'pm');
  await manage.locator('#rules-preset option[value=crland]').waitFor({ state: 'attached' });
  await saveOverride(manage, '{"dispatch_minutes": 5}');
  const error = manage.locator('[data-testid=rules-error]').filter({ hasText: 'dispatch_minutes' });
  await error.waitFor();
  assert.match(await error.innerText(), /^未保存/);
  assert.equal(await manage.getByRole('status').filter({ hasText: '已保存' }).count(), 0);
  // Right under the button that caused it, not at the top of a long form.
  const button = await manage.getByRole('button', { name: '保存' }).boundingBox();
  const message = await error.boundingBox();
  assert.ok(message.y > button.y && message.y - (button.y + button.height) < 60, `${JSON.stringify(button)} ${JSON.stringify(message)}`);
  assert.doesNotMatch(await manage.locator('[data-testid=rules-effective]').textContent(), /dispatch_minutes/);
});
