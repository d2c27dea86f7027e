// The administrator's page /admin: staff accounts (a weak password refused by name, a new
// caretaker who then works on /field, disabling ends their session) and a resident's PIPL
// requests (export, then erasure after a confirmation); an area manager created with a
// region chosen from the company's list in one request. Other roles are told the page is
// not theirs. See ../lib.mjs for how to run these.

import assert from 'node:assert/strict';
import { e2eTest, login, reportOrder } from '../lib.mjs';

e2eTest('an admin creates a caretaker, disables them, and exports then erases a resident', async ({ open }) => {
  const stamp = Date.now();
  const username = `ct${stamp}`;

  const admin = await open('/admin');
  await login(admin, 'admin');
  const list = admin.locator('[data-testid=staff-list]');
  await list.locator('[data-testid=staff-row][data-username=guanjia1]').waitFor();
  // Role labels are the shared model's, in Chinese by default.
  assert.match(await list.locator('[data-testid=staff-row][data-username=guanjia1]').innerText(), /管家/);

  // A common password: refused, the message under the password field naming it.
  const form = admin.locator('[data-testid=new-staff]');
  await form.getByLabel('用户名').fill(username);
  await form.getByLabel('姓名').fill('测试管家');
  await form.getByLabel('角色').selectOption('caretaker');
  await form.getByLabel('初始密码', { exact: false }).fill('password123');
  await form.getByLabel('翠湖花园').check();
  await form.getByRole('button', { name: '创建账号' }).click();
  const passwordError = form.locator('#new-password-error');
  await passwordError.filter({ hasText: '密码' }).waitFor();
  assert.match(await passwordError.innerText(), /^密码:.*常见/);
  assert.equal(await form.getByLabel('初始密码', { exact: false }).getAttribute('aria-invalid'), 'true');
  // The same refusal in English once the language is switched.
  await admin.getByRole('button', { name: 'English' }).click();
  await passwordError.filter({ hasText: /^Password: too common/ }).waitFor();
  await admin.getByRole('button', { name: '中文' }).click();
  assert.equal(await list.locator(`[data-username="${username}"]`).count(), 0, 'nothing was created');

  // A good one: created with the estate ticked, and listed.
  const password = `翠湖春水 lamp ${stamp % 1000}`;
  await form.getByLabel('初始密码', { exact: false }).fill(password);
  await form.getByRole('button', { name: '创建账号' }).click();
  await form.getByRole('status').filter({ hasText: username }).waitFor();
  const row = list.locator(`[data-testid=staff-row][data-username="${username}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /测试管家[\s\S]*管家[\s\S]*翠湖花园/);

  // The new caretaker logs in on the field app.
  const field = await open('/field');
  await field.getByLabel('用户名').fill(username);
  await field.getByLabel('密码').fill(password);
  await field.getByRole('button', { name: '登录' }).click();
  await field.getByRole('button', { name: '退出' }).waitFor();
  assert.equal(await field.evaluate(() => fetch('/api/me').then((r) => r.status)), 200);

  // Disabled by the admin: their session ends at once, not at its timeout.
  await row.getByRole('button', { name: '编辑' }).click();
  await row.getByRole('button', { name: '停用账号' }).click();
  await admin.locator('[data-testid=staff-notice]').filter({ hasText: username }).waitFor();
  await row.locator('.chip.off').filter({ hasText: '已停用' }).waitFor();
  assert.equal(await field.evaluate(() => fetch('/api/me').then((r) => r.status)), 401);

  // A resident reports through the form, then asks for their data and for its erasure.
  const phone = `199${String(stamp).slice(-8)}`;
  const text = `厨房水管漏水 e2e-${stamp}`;
  const receipt = await reportOrder(text, phone);
  const residents = admin.locator('[data-testid=residents]');
  await residents.getByLabel('手机号').fill(phone);
  await residents.getByRole('button', { name: '导出' }).click();
  const exported = residents.locator('[data-testid=export-order]').filter({ hasText: text });
  await exported.waitFor();
  assert.match(await exported.innerText(), new RegExp(receipt.reference));
  const download = residents.locator('[data-testid=export-download]');
  assert.match(await download.getAttribute('href'), /^data:application\/json/);
  assert.ok(decodeURIComponent(await download.getAttribute('href')).includes(text), 'the download holds the report');

  // Erasure asks first; cancelling erases nothing.
  await residents.getByRole('button', { name: '删除此业主的数据' }).click();
  await residents.locator('[data-testid=erase-confirm]').filter({ hasText: phone }).waitFor();
  await residents.getByRole('button', { name: '取消' }).click();
  await residents.locator('[data-testid=erase-confirm]').waitFor({ state: 'detached' });
  await residents.getByRole('button', { name: '删除此业主的数据' }).click();
  await residents.getByRole('button', { name: '确认删除' }).click();
  const erased = residents.locator('[data-testid=erased]');
  await erased.waitFor();
  assert.match(await erased.innerText(), /1 个工单/);
  assert.match(await erased.innerText(), new RegExp(receipt.reference));

  // Exported again: nothing is held about the number any more.
  await residents.getByRole('button', { name: '导出' }).click();
  await residents.locator('[data-testid=export]').filter({ hasText: '未找到' }).waitFor();
});

e2eTest('an admin creates an area manager with a region in one step, then clears the region', async ({ open }) => {
  const stamp = Date.now();
  const username = `am${stamp}`;
  const admin = await open('/admin');
  await login(admin, 'admin');
  const list = admin.locator('[data-testid=staff-list]');
  // The demo area manager: the estate given and the region listed as assigned.
  await list.locator('[data-testid=staff-row][data-username=area]').filter({ hasText: '片区:华南区域' }).waitFor();

  const form = admin.locator('[data-testid=new-staff]');
  await form.getByLabel('用户名').fill(username);
  await form.getByLabel('姓名').fill('测试经理');
  await form.getByLabel('角色').selectOption('area_manager');
  await form.getByLabel('初始密码', { exact: false }).fill(`翠湖春水 lamp ${stamp % 1000}`);
  // Regions are chosen from the company's list, not typed; the estate the region gives is
  // said to come through it and stays unticked.
  await form.locator('#new-regions').getByLabel('华南区域').check();
  const estates = form.locator('#new-estates');
  // Both of the region's estates (翠湖花园 and 滨江壹号) say so.
  const via = estates.locator('[data-testid=via-region]').filter({ hasText: '经片区 华南区域' });
  await via.first().waitFor();
  assert.equal(await via.count(), 2);
  assert.equal(await estates.getByLabel('翠湖花园', { exact: false }).isChecked(), false);
  // One request creates the account with its region.
  const posts = [];
  admin.on('request', (r) => { if (r.url().includes('/api/admin/staff')) posts.push(r.method()); });
  await form.getByRole('button', { name: '创建账号' }).click();
  await form.getByRole('status').filter({ hasText: username }).waitFor();
  const row = list.locator(`[data-testid=staff-row][data-username="${username}"]`);
  await row.filter({ hasText: '片区:华南区域' }).waitFor();
  assert.match(await row.innerText(), /测试经理[\s\S]*片区经理[\s\S]*另可见:翠湖花园/);
  assert.deepEqual(posts.filter((m) => m !== 'GET'), ['POST'], 'created without a second request');

  // The editor shows the region ticked and the estate seen through it, unticked; unticking
  // the region and saving clears it.
  await row.getByRole('button', { name: '编辑' }).click();
  const editor = row.locator('[data-testid=staff-editor]');
  const region = editor.locator('#edit-regions').getByLabel('华南区域');
  assert.equal(await region.isChecked(), true);
  assert.equal(await editor.locator('#edit-estates').getByLabel('翠湖花园', { exact: false }).isChecked(), false);
  await region.uncheck();
  await editor.getByRole('button', { name: '保存角色与小区' }).click();
  await admin.locator('[data-testid=staff-notice]').filter({ hasText: username }).waitFor();
  // The row already said 小区:— before the save: wait for the region to go, not for that.
  await row.filter({ hasNotText: '片区:' }).waitFor();
  assert.match(await row.innerText(), /小区:—/);
  assert.doesNotMatch(await row.innerText(), /另可见/, 'no estate seen through a region any more');
});

e2eTest('a front desk user opening /admin is told only administrators may use it', async ({ open }) => {
  const page = await open('/admin');
  await login(page, 'desk');
  await page.locator('[data-testid=admin-only]').filter({ hasText: '只有管理员' }).waitFor();
  assert.equal(await page.locator('[data-testid=staff-list]').count(), 0);
});
