// The administrator's webhooks on /admin: a cloud-metadata address is refused under the URL
// field; a webhook to a receiver on 127.0.0.1 (this test's own HTTP server; the test server
// runs with ANJU_WEBHOOK_ALLOW_PRIVATE and _HTTP) shows its secret once; a new order reaches
// the receiver, which refuses the first attempt; the delivery log says so; "send again" sends
// it at once, signed as the README says; the webhook is deleted. See ../lib.mjs.

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { e2eTest, login, reportOrder } from '../lib.mjs';

/** A receiver on 127.0.0.1: answers 500 to the first request about `state.order`, then 204. */
async function receiver(state) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const mine = state.order && body.includes(state.order);
      const first = mine && !seen.some((r) => r.mine);
      seen.push({ headers: req.headers, body, mine });
      res.statusCode = first ? 500 : 204;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `http://127.0.0.1:${server.address().port}/hook` };
}

/** The README's check: HMAC-SHA256 of `timestamp.body`, compared in constant time, within 5 minutes. */
function verify(secret, { headers, body }) {
  const timestamp = headers['x-anju-timestamp'];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(headers['x-anju-signature'] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function until(check, what) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

e2eTest('an admin registers a webhook, sees a refused delivery in its log and sends it again', async ({ open }) => {
  const state = {};
  const rx = await receiver(state);
  try {
    const admin = await open('/admin');
    await login(admin, 'admin');
    const section = admin.locator('[data-testid=webhooks]');
    await section.waitFor();
    const form = section.locator('[data-testid=new-webhook]');

    // The cloud metadata address: refused, said under the URL field, nothing made.
    await form.getByLabel('接收地址', { exact: false }).fill('https://169.254.169.254/latest/meta-data/');
    await form.getByRole('button', { name: '添加 webhook' }).click();
    const urlError = form.locator('#webhook-url-error');
    await urlError.filter({ hasText: '元数据' }).waitFor();
    assert.match(await urlError.innerText(), /^接收地址:/);
    assert.equal(await form.getByLabel('接收地址', { exact: false }).getAttribute('aria-invalid'), 'true');
    assert.equal(await section.locator('[data-testid=webhook-row]').count(), 0);

    // The local receiver: made, its secret shown once.
    await form.getByLabel('名称', { exact: false }).fill('测试网关');
    await form.getByLabel('接收地址', { exact: false }).fill(rx.url);
    await form.getByLabel('新工单').check();
    await form.getByRole('button', { name: '添加 webhook' }).click();
    const secretBox = section.locator('[data-testid=webhook-secret-value]');
    await secretBox.waitFor();
    const secret = (await secretBox.innerText()).trim();
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);
    const row = section.locator(`[data-testid=webhook-row][data-url="${rx.url}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /新工单[\s\S]*工单升级|工单升级[\s\S]*新工单/);
    await section.getByRole('button', { name: '已复制' }).click();
    assert.equal(await secretBox.count(), 0, 'the secret is not shown again');

    // A new order: the receiver refuses the first attempt.
    const receipt = await reportOrder(`webhook e2e ${Date.now()}`);
    state.order = receipt.order_id;
    await until(() => rx.seen.some((r) => r.mine), 'the first delivery');
    const first = rx.seen.find((r) => r.mine);
    assert.ok(verify(secret, first), 'signed with the secret shown');
    const body = JSON.parse(first.body);
    assert.equal(body.kind, 'order.reported');
    assert.equal(body.reference, receipt.reference);
    assert.ok(!first.body.includes('13800138000') && !first.body.includes('webhook e2e'), first.body);

    // The log: waiting, one attempt, HTTP 500; send again → delivered.
    await row.getByRole('button', { name: '投递记录' }).click();
    const delivery = row.locator('[data-testid=delivery]').filter({ hasText: receipt.reference });
    await delivery.filter({ hasText: 'HTTP 500' }).waitFor();
    assert.equal(await delivery.getAttribute('data-status'), 'pending');
    await delivery.getByRole('button', { name: '重新发送' }).click();
    await row.locator('[data-testid=sent-again]').waitFor();
    await until(() => rx.seen.filter((r) => r.mine).length >= 2, 'the delivery sent again');
    const again = rx.seen.filter((r) => r.mine)[1];
    assert.equal(again.headers['x-anju-delivery'], first.headers['x-anju-delivery']);
    assert.ok(verify(secret, again));
    // The log read anew (closed and opened) until the server has written the answer down.
    const delivered = row.locator('[data-testid=delivery][data-status=delivered]').filter({ hasText: receipt.reference });
    for (let i = 0; i < 20 && (await delivered.count()) === 0; i += 1) {
      await row.getByRole('button', { name: '投递记录' }).click();
      await row.getByRole('button', { name: '投递记录' }).click();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await delivered.waitFor();
    assert.match(await delivered.innerText(), /已送达/);

    // Deleted after a confirmation.
    await row.getByRole('button', { name: '删除' }).click();
    await row.locator('[data-testid=webhook-delete-confirm]').getByRole('button', { name: '确认删除' }).click();
    await section.locator(`[data-testid=webhook-row][data-url="${rx.url}"]`).waitFor({ state: 'detached' });
  } finally {
    rx.server.close();
  }
});
