// Account dead ends (issue #11, point 8): a staff member needs an estate to be created, an
// account left without one can still log out, and a tablet whose session the server ended
// (the account disabled) wipes the residents' data as a logout does. See ../lib.mjs.

import assert from 'node:assert/strict';
import { BASE_URL, e2eTest, login, reportOrder, staffSession, synced } from '../lib.mjs';

const PASSWORD = '翠湖春水 lamp 9';

/** Creates a caretaker of 翠湖花园 through the admin API; returns their id. */
async function createCaretaker(admin, username) {
  const response = await fetch(`${BASE_URL}/api/admin/staff`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: admin.cookie },
    body: JSON.stringify({
      username, display_name: '测试管家', role: 'caretaker', password: PASSWORD,
      estate_ids: [admin.me.estates[0].id],
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).id;
}

async function change(admin, id, body) {
  const response = await fetch(`${BASE_URL}/api/admin/staff/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: admin.cookie },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.clone().text());
}

async function loginAs(page, username) {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
}

e2eTest('8 · the admin cannot create a caretaker without an estate, and the page says why', async ({ open }) => {
  const admin = await open('/admin');
  await login(admin, 'admin');
  const form = admin.locator('[data-testid=new-staff]');
  await form.waitFor();
  await form.getByLabel('用户名').fill(`nowhere${Date.now() % 100000}`);
  await form.getByLabel('姓名').fill('无小区');
  await form.getByLabel('初始密码', { exact: false }).fill(PASSWORD);
  // Every estate box left unticked.
  for (const box of await form.getByRole('checkbox').all()) await box.uncheck();
  await form.getByRole('button', { name: '创建账号' }).click();
  await form.getByText('请至少选择一个小区', { exact: false }).waitFor();
});

e2eTest('8 · an account left without an estate is told so and can log out, on every surface', async ({ open }) => {
  const admin = await staffSession('admin');
  const username = `lost${Date.now() % 100000}`;
  const id = await createCaretaker(admin, username);
  await change(admin, id, { estate_ids: [] });
  const field = await open('/field');
  await loginAs(field, username);
  await field.getByRole('alert').filter({ hasText: '没有负责的小区' }).waitFor();
  await field.getByRole('button', { name: '退出' }).click();
  await field.getByRole('button', { name: '登录' }).waitFor();
  assert.equal(await field.evaluate(() => fetch('/api/me').then((r) => r.status)), 401);

  // The other surfaces say so too, and let them out.
  for (const path of ['/desk', '/manage']) {
    const page = await open(path);
    await loginAs(page, username);
    await page.getByRole('alert').filter({ hasText: '没有负责的小区' }).waitFor();
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('button', { name: '登录' }).waitFor();
  }
});

e2eTest('8 · a tablet whose account was disabled wipes the residents\' orders and says why', async ({ open }) => {
  const admin = await staffSession('admin');
  const username = `gone${Date.now() % 100000}`;
  const id = await createCaretaker(admin, username);
  const text = `楼顶水箱异响 e2e-${Date.now()}`;
  await reportOrder(text);
  const field = await open('/field');
  await loginAs(field, username);
  await synced(field);
  const row = field.locator('[data-testid=field-order]').filter({ hasText: text });
  await row.waitFor();
  await change(admin, id, { disabled: true });
  // The next sync (a tap, or the engine's own within 30 s) meets the ended session.
  await field.getByRole('button', { name: '立即同步' }).click({ timeout: 2_000 }).catch(() => {});
  await field.getByTestId('session-ended').waitFor({ timeout: 40_000 });
  await field.getByRole('button', { name: '登录' }).waitFor();
  assert.equal(await row.count(), 0, 'no resident order left on screen');
  // Nor on the device: a reload shows the login, not the orders.
  await field.reload();
  await field.getByRole('button', { name: '登录' }).waitFor();
  assert.equal(await field.locator('[data-testid=field-order]').count(), 0);
});
