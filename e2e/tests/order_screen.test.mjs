// What the desk needs on one order and in the inbox (issue #11): dispatch to a person chosen
// from the estate's staff (1), the deadlines, history, category, assignee and score with only
// the actions the state allows (3), an address for every order with Back and reload working
// (4), names and role labels instead of ids (5), timers that say what they mean with the due
// time in view, urgent work pinned on top (6), named photo links (11) and a menu of the
// surfaces on every staff page (14). See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { BASE_URL, accessibilityProblems, assignTo, callBack, e2eTest, login, reportOrder, synced } from '../lib.mjs';

/** Logs `user` in on /desk and opens the order with `text` from the inbox. */
async function openOnDesk(open, user, text) {
  const page = await open('/desk');
  await login(page, user);
  await synced(page);
  const row = page.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.getByRole('link', { name: '处理' }).click();
  await page.locator('[data-testid=field-order-detail]').filter({ hasText: text }).waitFor();
  return page;
}

function detail(page) {
  return page.locator('[data-testid=field-order-detail]');
}

e2eTest('1 · the desk dispatches to a person chosen by name from the estate staff, technicians first for a repair', async ({ open }) => {
  const text = `水龙头坏了要维修 e2e-${Date.now()}`;
  await reportOrder(text);
  const desk = await openOnDesk(open, 'desk', text);
  // No box to type an id (or a name) into: a choice among the estate's active staff.
  assert.equal(await desk.getByLabel('指派给(员工编号)').count(), 0, 'no free-text assignee box');
  const picker = desk.getByRole('group', { name: '指派给' });
  const people = await picker.getByRole('radio').evaluateAll((list) =>
    list.map((input) => input.closest('label').textContent.trim()),
  );
  assert.ok(people.length >= 3, people.join('\n'));
  assert.match(people[0], /维修人员/, `a repair offers the technicians first: ${people.join(' | ')}`);
  // Searchable by name.
  await picker.getByLabel('查找员工', { exact: false }).fill('张');
  assert.deepEqual(
    await picker.getByRole('radio').evaluateAll((list) => list.map((i) => i.closest('label').textContent.trim())),
    ['张强 · 维修人员'],
  );
  // Nothing to send until someone is chosen.
  assert.ok(await picker.getByRole('button', { name: '派单' }).isDisabled());
  await assignTo(desk, '张强');
  assert.equal(await detail(desk).locator('[data-testid=order-assignee]').innerText(), '张强 · 维修人员');
  await synced(desk);
});

e2eTest('3 · the order shows its deadlines, history, category, assignee and score, and offers only what its state allows', async ({ open }) => {
  const text = `客厅插座没电 e2e-${Date.now()}`;
  await reportOrder(text);
  const desk = await openOnDesk(open, 'desk', text);
  const card = detail(desk);
  // Deadlines with their due times, in view.
  const dispatch = card.locator('[data-testid=countdown-dispatch]');
  assert.match(await dispatch.innerText(), /^派单 剩 .+ · (\d\d-\d\d )?\d\d:\d\d 前$/);
  // The history starts with the report, by the resident.
  const timeline = desk.getByTestId('timeline');
  await timeline.getByText(/业主 · 报事/).waitFor();

  await assignTo(desk, '李明');
  await timeline.getByText(/王静 · 客服前台 · 派单 → 李明 · 管家/).waitFor();
  // The confirmed category stays selected once saved.
  await desk.getByLabel('确认分类').selectOption('environment');
  await card.locator('[data-testid=order-category]').filter({ hasText: '环境管理 (已确认)' }).waitFor();
  assert.equal(await desk.getByLabel('确认分类').inputValue(), 'environment');
  await timeline.getByText(/分类 环境管理/).waitFor();

  // Before the work is done there is no callback and no close; after it, no completion.
  assert.equal(await desk.getByLabel('回访评分').count(), 0);
  assert.equal(await desk.getByRole('button', { name: '关闭工单' }).count(), 0);
  await desk.getByRole('button', { name: '完工' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已完工' }).waitFor();
  assert.equal(await desk.getByRole('button', { name: '完工' }).count(), 0);
  await callBack(desk, 4);
  await card.locator('[data-testid=order-score]').filter({ hasText: '4 · 基本满意' }).waitFor();
  await timeline.getByText(/回访 4 · 基本满意/).waitFor();

  assert.deepEqual(await accessibilityProblems(desk), [], 'axe-core on a completed order');
  // Closed: no dispatch, no completion, no arrival, no category change; reopening stays.
  await desk.getByRole('button', { name: '关闭工单' }).click();
  await card.locator('[data-testid=order-status]').filter({ hasText: '已关闭' }).waitFor();
  for (const name of ['派单', '转派', '完工', '到场', '关闭工单']) {
    assert.equal(await desk.getByRole('button', { name, exact: true }).count(), 0, `no ${name} on a closed order`);
  }
  assert.equal(await desk.getByRole('group', { name: /指派给|转派给/ }).count(), 0);
  assert.equal(await desk.getByLabel('确认分类').count(), 0);
  await desk.getByRole('button', { name: '重新打开' }).waitFor();
  assert.equal(await timeline.getByRole('listitem').count(), 6, await timeline.innerText());
  await synced(desk);
});

e2eTest('4 · an order has its own address: reload, Back and a bookmark work', async ({ open }) => {
  const text = `楼道窗户关不上 e2e-${Date.now()}`;
  await reportOrder(text);
  const desk = await openOnDesk(open, 'desk', text);
  await desk.waitForURL(/\/desk\/orders\/[\w-]+$/);
  const address = new URL(desk.url());
  assert.match(address.pathname, /^\/desk\/orders\/[\w-]+$/);

  await desk.reload();
  await detail(desk).filter({ hasText: text }).waitFor();

  // Back returns to the inbox, not out of the desk.
  await desk.goBack();
  await desk.waitForURL(`${BASE_URL}/desk`);
  await desk.locator('[data-testid=order-row]').filter({ hasText: text }).waitFor();
  await desk.goForward();
  await detail(desk).filter({ hasText: text }).waitFor();

  // A colleague opens the link (bookmarked, sent) and lands on the order after logging in.
  const colleague = await open(address.pathname);
  await login(colleague, 'cs');
  await detail(colleague).filter({ hasText: text }).waitFor();

  // The field app's orders too.
  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.locator('[data-testid=field-order]').filter({ hasText: text }).getByRole('link').click();
  await field.waitForURL(/\/field\/orders\/[\w-]+$/);
  await field.reload();
  await detail(field).filter({ hasText: text }).waitFor();
  await field.goBack();
  await field.waitForURL(`${BASE_URL}/field`);
});

e2eTest('5 · people appear by name and role, presets and places by their names, never ids or codes', async ({ open }) => {
  const text = `电梯按钮失灵 e2e-${Date.now()}`;
  await reportOrder(text);
  const desk = await openOnDesk(open, 'desk', text);
  await desk.getByTestId('me').filter({ hasText: '王静 · 客服前台' }).waitFor();
  await assignTo(desk, '张强');
  await desk.getByLabel('备注', { exact: true }).fill('已电话联系业主');
  await desk.getByRole('button', { name: '添加备注' }).click();
  await detail(desk).locator('[data-testid=note]').filter({ hasText: '王静 · 客服前台' }).waitFor();
  await synced(desk);
  await desk.getByRole('link', { name: '← 返回列表' }).click();
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  await row.filter({ hasText: '处理人 张强 · 维修人员' }).waitFor();
  assert.deepEqual(await accessibilityProblems(desk), [], 'axe-core on the inbox');
  const shown = await desk.locator('main').innerText();
  assert.doesNotMatch(shown, /stf-|front_desk|technician/, 'no staff ids or role codes on the desk');

  // The estate's rules name the presets.
  const manage = await open('/manage/rules');
  await login(manage, 'pm');
  await manage.locator('#rules-preset option[value=crland]').waitFor({ state: 'attached' });
  const presets = await manage.locator('#rules-preset option').allInnerTexts();
  assert.ok(presets.some((p) => p.startsWith('招商蛇口物业')), presets.join(' | '));
  assert.ok(!presets.includes('cmsk'), presets.join(' | '));

  // A visit record reads as a place right after login, every time.
  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.getByRole('link', { name: '登记走访' }).click();
  await field.getByLabel('楼栋').selectOption({ index: 1 });
  await field.getByLabel('单元').selectOption({ index: 1 });
  await field.getByLabel('房号', { exact: false }).selectOption({ index: 1 });
  await field.getByRole('button', { name: '登记走访' }).click();
  await synced(field);
  const tablet = await open('/field');
  await login(tablet, 'guanjia1');
  await synced(tablet);
  const visits = await tablet.locator('[data-testid=field-visit]').allInnerTexts();
  assert.ok(visits.length > 0);
  for (const v of visits) assert.doesNotMatch(v, /bld-|-u\d/, `a visit shows a place: ${v}`);
});

e2eTest('6 · timers say time left and the due time; an urgent order is pinned above the rest', async ({ open }) => {
  const tag = `e2e-${Date.now()}`;
  await reportOrder(`楼道灯闪烁 ${tag}`);
  await reportOrder(`3栋电梯困人了 ${tag}`);
  const desk = await open('/desk');
  await login(desk, 'desk');
  await synced(desk);
  const rows = desk.locator('[data-testid=order-row]');
  const calm = rows.filter({ hasText: `楼道灯闪烁 ${tag}` });
  const urgent = rows.filter({ hasText: `电梯困人了 ${tag}` });
  await urgent.filter({ hasText: '紧急' }).waitFor();
  const texts = await rows.allInnerTexts();
  const at = (needle) => texts.findIndex((t) => t.includes(needle));
  assert.ok(at(`电梯困人了 ${tag}`) < at(`楼道灯闪烁 ${tag}`), 'the urgent order comes first');
  assert.ok(at(`电梯困人了 ${tag}`) <= texts.filter((t) => t.includes('紧急') && !t.includes('已关闭')).length - 1);
  const timer = calm.locator('[data-testid=countdown-dispatch]');
  assert.match(await timer.innerText(), /^派单 剩 (\d+ 小时 )?\d+ 分 \d+ 秒 · (\d\d-\d\d )?\d\d:\d\d 前$/);
  assert.equal(await timer.getAttribute('title'), null, 'nothing hides in a hover tooltip');
});

e2eTest('11 · photo links on an order have names', async ({ open }) => {
  const text = `墙面开裂 e2e-${Date.now()}`;
  await reportOrder(text);
  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.locator('[data-testid=field-order]').filter({ hasText: text }).getByRole('link').click();
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  await field.locator('input[type=file]').setInputFiles({ name: 'IMG_0002.png', mimeType: 'image/png', buffer: png });
  await field.getByRole('link', { name: '查看照片 1' }).waitFor();
  await synced(field);
  const desk = await openOnDesk(open, 'desk', text);
  await desk.getByRole('link', { name: '查看照片 1' }).waitFor();
});

e2eTest('14 · every staff page has a menu of the surfaces the role may use', async ({ open }) => {
  const desk = await open('/desk');
  await login(desk, 'desk');
  const menu = desk.getByRole('navigation', { name: '切换工作台' });
  await menu.getByRole('link', { name: '客服前台' }).waitFor();
  assert.equal(await menu.getByRole('link', { name: '客服前台' }).getAttribute('aria-current'), 'page');
  assert.deepEqual(await menu.getByRole('link').allInnerTexts(), ['客服前台', '现场工作', '小区管理']);
  await menu.getByRole('link', { name: '小区管理' }).click();
  await desk.waitForURL(`${BASE_URL}/manage`);
  await desk.locator('[data-testid=sitemap]').waitFor();
  await menu.getByRole('link', { name: '现场工作' }).click();
  await desk.waitForURL(`${BASE_URL}/field`);

  const caretaker = await open('/field');
  await login(caretaker, 'guanjia1');
  const theirs = caretaker.getByRole('navigation', { name: '切换工作台' });
  await theirs.getByRole('link', { name: '现场工作' }).waitFor();
  assert.deepEqual(await theirs.getByRole('link').allInnerTexts(), ['现场工作']);

  const admin = await open('/admin');
  await login(admin, 'admin');
  const all = admin.getByRole('navigation', { name: '切换工作台' });
  await all.getByRole('link', { name: '员工与业主数据' }).waitFor();
  assert.equal((await all.getByRole('link').allInnerTexts()).length, 4);
});

e2eTest('13 · the top bar controls are at least 44 px each way', async ({ open }) => {
  const page = await open('/desk');
  await login(page, 'desk');
  await page.getByRole('navigation', { name: '切换工作台' }).waitFor();
  for (const control of [
    page.getByRole('button', { name: 'English' }),
    page.getByRole('link', { name: '安居' }),
    page.getByRole('link', { name: '客服前台' }).first(),
  ]) {
    const box = await control.boundingBox();
    assert.ok(box.width >= 44 && box.height >= 44, `${await control.innerText()}: ${box.width}×${box.height}`);
  }
});

e2eTest('also · a note on a closed order reaches the desk, which can reopen it; the inbox filters by state and building and searches', async ({ open }) => {
  const text = `卫生间吊顶渗水 e2e-${Date.now()}`;
  const receipt = await reportOrder(text, '13900001234');
  const desk = await openOnDesk(open, 'desk', text);
  await desk.getByRole('button', { name: '完工' }).click();
  await callBack(desk, 5);
  await desk.getByRole('button', { name: '关闭工单' }).click();
  await detail(desk).locator('[data-testid=order-status]').filter({ hasText: '已关闭' }).waitFor();
  await synced(desk);

  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.locator('[data-testid=field-order]').filter({ hasText: text }).getByRole('link').click();
  await field.getByLabel('备注', { exact: true }).fill('业主又打电话说还有点渗水');
  await field.getByRole('button', { name: '添加备注' }).click();
  await synced(field);

  await desk.getByRole('link', { name: '← 返回列表' }).click();
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: text });
  // Closed orders are out of the default view; the state filter and the search find them.
  assert.equal(await row.count(), 0, 'a closed order is not in the open work');
  await desk.getByLabel('状态').selectOption('closed');
  await desk.getByLabel('搜索', { exact: false }).fill(receipt.reference);
  await desk.getByRole('button', { name: '立即同步' }).click();
  await row.filter({ hasText: '关闭后有新备注' }).waitFor();
  assert.equal(await desk.locator('[data-testid=order-row]').count(), 1, 'the search finds one order');
  await desk.getByLabel('搜索', { exact: false }).fill('1234');
  await row.waitFor();
  // By building: the order is in the estate's first one (see reportOrder).
  await desk.getByLabel('楼栋').selectOption({ index: 2 });
  await row.waitFor({ state: 'detached' });
  await desk.getByLabel('楼栋').selectOption({ index: 1 });
  await row.waitFor();
  await row.getByRole('link', { name: '处理' }).click();
  await desk.getByRole('button', { name: '重新打开' }).click();
  await detail(desk).locator('[data-testid=order-status]').filter({ hasNotText: '已关闭' }).waitFor();
});
