// A disabled account is told so at login (issue #11, 8): with the right password it hears that
// the account is disabled, not "wrong username or password"; a wrong password hears only that.

import assert from 'node:assert/strict';
import { BASE_URL, e2eTest, staffSession } from '../lib.mjs';

const PASSWORD = '翠湖春水 lamp 7';

async function disabledCaretaker() {
  const { cookie, me } = await staffSession('admin');
  const headers = { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie };
  const username = `gone${Date.now() % 1_000_000}`;
  const created = await fetch(`${BASE_URL}/api/admin/staff`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username, display_name: '离职管家', role: 'caretaker', password: PASSWORD, estate_ids: [me.estates[0].id] }),
  });
  const answer = await created.text();
  assert.equal(created.status, 200, answer);
  const { id } = JSON.parse(answer);
  const disabled = await fetch(`${BASE_URL}/api/admin/staff/${id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ disabled: true }),
  });
  assert.equal(disabled.status, 200, await disabled.clone().text());
  return username;
}

e2eTest('8 · a disabled account is told it is disabled, and only with the right password', async ({ open }) => {
  const username = await disabledCaretaker();
  const page = await open('/field');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '账号已停用' }).waitFor();
  await page.getByLabel('密码').fill('not the password at all');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: '账号已停用' }).count(), 0);
});
