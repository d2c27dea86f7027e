// An estate's manager sets the estate's rules on /manage — here a shorter dispatch time —
// and the front desk's timers follow them; a mistake is refused with the field named and
// changes nothing. The what-if shows last month's orders under edited numbers beside the
// rules in force before anything is saved. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder, staffSession, synced, BASE_URL } from '../lib.mjs';

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

e2eTest('a manager sees how last month\'s orders would have fared under edited numbers, before saving anything', async ({ open }) => {
  // 滨江壹号 has a year of history; its area manager picks it in the top bar.
  const area = await staffSession('area');
  const rulesOf = async () => (await (await fetch(`${BASE_URL}/api/estates/est-binjiang/rules`, {
    headers: { cookie: area.cookie },
  })).json()).effective_policy;
  const saved = await rulesOf();
  const manage = await open('/manage/rules');
  await login(manage, 'area');
  await manage.locator('[data-testid=estate-picker]').selectOption({ label: '滨江壹号' });
  await manage.getByRole('heading', { level: 1, name: '滨江壹号 · 小区规则' }).waitFor();
  await synced(manage);
  const missed = async () => (await manage.getByTestId('whatif-missed').locator('td').allInnerTexts()).map(Number);
  await manage.getByTestId('whatif-table').waitFor();
  // The history reaches the device; unchanged numbers give the same outcome.
  await manage.waitForFunction(() => document.querySelectorAll('[data-testid=whatif-row]').length > 0);
  const [inForce, same] = await missed();
  assert.equal(inForce, same, 'the same numbers, the same outcome');
  // Every response deadline (D-2) cut to one minute: most of last month's repairs come too late.
  const fields = manage.locator('.whatif-field').filter({ hasText: '[D-2]' });
  const n = await fields.count();
  assert.ok(n > 0, 'the response deadlines are fields');
  for (let i = 0; i < n; i += 1) await fields.nth(i).locator('input').fill('1');
  await manage.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[data-testid=whatif-missed] td')].map((td) => Number(td.textContent));
    return cells.length === 2 && cells[1] > cells[0];
  });
  assert.equal((await missed())[0], inForce, 'the rules in force still give what they gave');
  const response = manage.locator('[data-testid=whatif-row][data-measure=repair_response_on_time] td');
  const [now, edited] = await response.allInnerTexts();
  assert.notEqual(now, edited, `repairs responded to on time change: ${now} → ${edited}`);
  // Nothing is saved by looking: the server's rules are as they were.
  assert.deepEqual(await rulesOf(), saved);
  // "Use these numbers" writes them into the change the save sends.
  await manage.getByRole('button', { name: '采用这些数值', exact: false }).click();
  assert.match(await manage.getByLabel('对预设的修改', { exact: false }).inputValue(), /"minutes": 1\b/);
  assert.deepEqual(await rulesOf(), saved);
});
