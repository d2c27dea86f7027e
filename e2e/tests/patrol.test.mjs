// Caretakers on patrol (V-3), offline from the start of the round to its end: a manager's
// route on the tablet, a round started and a checkpoint marked with the network cut, a
// checklist finding with a photo taken offline turned into an order, the page reloaded
// offline, and — once back online — the desk sees the order from the patrol with its
// deadlines and the photo. Codes forged or of another
// estate are refused by the server with a message that says so. See ../lib.mjs for running.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BASE_URL, e2eTest, login, staffSession, synced } from '../lib.mjs';

async function api(session, method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: session.cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

e2eTest('a caretaker walks a round offline, a finding becomes an order the desk sees with its deadlines', async ({ open }) => {
  const tag = `e2e${Date.now()}`;
  const pm = await staffSession('pm');
  const caretaker = await staffSession('guanjia1');
  const estate = 'est-cuihu';
  const checkpoint = `cp-${tag}`;
  const item = `消防通道畅通无堆物 ${tag}`;
  let r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/checkpoints/${checkpoint}`, {
    name: `地下车库 ${tag}`, place: '东侧坡道', checklist: [item],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/routes/route-${tag}`, {
    name: `夜巡 ${tag}`, checkpoints: [checkpoint], caretakers: [caretaker.me.id],
    earliest: '00:00', latest: '23:59',
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));

  // The print sheet: one QR drawing per checkpoint, with its name.
  const sheet = await api(pm, 'GET', `/api/estates/${estate}/patrols/codes`);
  const code = sheet.json.codes.find((c) => c.checkpoint_id === checkpoint);
  assert.ok(code.svg.includes('<svg') && code.token.startsWith('anju-cp:'));

  // A forged code and another estate's are refused by the server, by name.
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const round = `route-${tag}@${day}`;
  const now = new Date();
  const at = new Date(now.getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00');
  const stamp = `${String(now.getTime()).padStart(15, '0')}-00000`;
  const scan = (seq, token) => ({
    id: crypto.randomUUID(), subject: { kind: 'round', id: round }, device_id: `probe-${tag}`,
    device_seq: seq, hlc: stamp, actor: caretaker.me.id, at,
    body: { type: 'round', step: 'scanned', checkpoint_id: checkpoint, proof: 'qr', token },
  });
  const forged = code.token.slice(0, -1) + (code.token.endsWith('0') ? '1' : '0');
  const foreign = code.token.replace(`:${estate}:`, ':est-binjiang:');
  r = await api(caretaker, 'POST', '/api/sync', {
    device_id: `probe-${tag}`, estate_id: estate, push: [scan(1, forged), scan(2, foreign)], cursor: 0, limit: 1,
  });
  assert.equal(r.status, 200);
  assert.match(r.json.acks[0].outcome.reason, /forged/);
  assert.match(r.json.acks[0].outcome.reason_zh, /伪造/);
  assert.match(r.json.acks[1].outcome.reason, /another estate \(est-binjiang\)/);
  assert.match(r.json.acks[1].outcome.reason_zh, /其他小区/);

  // The caretaker's tablet has the route, then loses the network for the whole round.
  const field = await open('/field');
  await login(field, 'guanjia1');
  await synced(field);
  await field.getByRole('link', { name: '巡查' }).click();
  await field.locator('[data-testid=patrol-route]').filter({ hasText: tag }).waitFor();
  await field.context().setOffline(true);
  await field.reload();
  await field.locator('[data-testid=sync-state][data-online="false"]').waitFor();
  // The QR decoder compiled to wasm (for browsers without BarcodeDetector, as this one) is not
  // in the page until asked for; offline, the service worker still has it. A frame drawn from
  // the printed sheet's SVG reads as the checkpoint's code.
  const decoded = await field.evaluate(async (svg) => {
    const size = Number(svg.match(/viewBox="0 0 (\d+)/)[1]);
    const d = svg.match(/ d="([^"]+)"/)[1];
    const canvas = document.createElement('canvas');
    canvas.width = 480;
    canvas.height = 480;
    const context = canvas.getContext('2d');
    context.fillStyle = '#eee';
    context.fillRect(0, 0, 480, 480);
    context.translate(40, 40);
    context.scale(400 / size, 400 / size);
    context.fillStyle = '#fff';
    context.fillRect(0, 0, size, size);
    context.fillStyle = '#111';
    context.fill(new Path2D(d));
    return window.anjuDecodeQr(context.getImageData(0, 0, 480, 480).data, 480, 480);
  }, code.svg);
  assert.equal(decoded, code.token);
  const route = field.locator('[data-testid=patrol-route]').filter({ hasText: tag });
  await route.getByRole('button', { name: '开始巡查' }).click();
  const point = field.locator('[data-testid=patrol-checkpoint]').filter({ hasText: tag });
  await point.waitFor();
  // No camera code on this desktop browser: picked by hand, shown as the weaker proof.
  await point.getByRole('button', { name: '手动确认(证据较弱)' }).click();
  await point.locator('[data-testid=checkpoint-status][data-proof=manual]').waitFor();
  await point.getByText('手动选择').first().waitFor();

  const checklist = point.locator('[data-testid=checklist-item]').filter({ hasText: item });
  await checklist.getByRole('button', { name: '有问题' }).click();
  await field.getByLabel('说明(几个字)').fill(`坡道堆放纸箱 ${tag}`);
  // A photo of it, taken offline: kept on the tablet under the name its events carry.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  );
  const photoName = createHash('sha256').update(png).digest('hex');
  await field
    .locator('[data-testid=finding-form] input[type=file]')
    .setInputFiles({ name: 'IMG_0101.png', mimeType: 'image/png', buffer: png });
  await field.locator('[data-testid=finding-form]').getByText('📷 1').waitFor();
  await field.locator('[data-testid=sync-state][data-photos="1"]').filter({ hasText: '照片待传 1' }).waitFor();
  await field.getByRole('button', { name: '保存问题' }).click();
  await checklist.locator('[data-testid=item-verdict]').filter({ hasText: '坡道堆放纸箱' }).waitFor();
  await checklist.getByRole('button', { name: '转为工单' }).click();
  await checklist.locator('[data-testid=item-verdict]').filter({ hasText: '已转工单' }).waitFor();
  // The round's figures: the one checkpoint scanned, by hand (doubtful).
  await field.locator('[data-testid=round][data-compliance="100"]').waitFor();

  // Reloaded, still offline: nothing of the round is lost.
  const waiting = Number(await field.locator('[data-testid=sync-state]').getAttribute('data-pending'));
  assert.ok(waiting >= 4, `the round's steps and the order wait to be sent: ${waiting}`);
  await field.reload();
  await field.locator(`[data-testid=sync-state][data-online="false"][data-pending="${waiting}"][data-photos="1"]`).waitFor();
  await field
    .locator('[data-testid=patrol-checkpoint]')
    .filter({ hasText: tag })
    .locator('[data-testid=item-verdict]')
    .filter({ hasText: '已转工单' })
    .waitFor();

  // Back online: everything goes out, nothing refused.
  await field.context().setOffline(false);
  await synced(field);
  assert.equal(await field.locator('[data-testid=rejected]').count(), 0, 'nothing was refused');

  // The desk sees the order, from a patrol, with its deadlines.
  const desk = await open('/desk');
  await login(desk, 'desk');
  const row = desk.locator('[data-testid=order-row]').filter({ hasText: `坡道堆放纸箱 ${tag}` });
  await row.waitFor();
  await row.getByRole('link').first().click();
  const card = desk.locator('[data-testid=field-order-detail]').filter({ hasText: tag });
  await card.getByText(`地下车库 ${tag} 东侧坡道`).waitFor();
  await card.locator('[data-testid=countdown-dispatch]').waitFor();
  // With the photo taken offline, uploaded at reconnection and shown by the name it was
  // given on the tablet.
  const thumb = card.locator('[data-testid=photos] img');
  await thumb.waitFor();
  assert.equal(await thumb.getAttribute('src'), `/api/photos/${photoName}`);
  await desk.waitForFunction((img) => img.complete && img.naturalWidth === 1, await thumb.elementHandle());

  // The supervisor's rounds view shows the round against the estate's threshold.
  const manager = await open('/manage/rounds');
  await login(manager, 'cs');
  await manager.locator('[data-testid=round]').filter({ hasText: tag }).waitFor();
});

e2eTest('a project manager defines a checkpoint from a preset and a route, and prints the codes', async ({ open }) => {
  const tag = `e2e${Date.now()}`;
  const page = await open('/manage/patrols');
  await login(page, 'pm');
  const form = page.locator('[data-testid=patrols]');
  await form.waitFor();
  // A preset fills the checklist, which stays editable.
  await page.getByLabel('检查项预设').selectOption('fire');
  const items = await page.getByLabel('检查项(每行一项)').inputValue();
  assert.match(items, /灭火器在有效期内/);
  await page.getByLabel('检查项(每行一项)').fill(`${items}\n防火门常闭 ${tag}`);
  await page.getByLabel('名称', { exact: true }).fill(`消防通道 ${tag}`);
  await page.getByLabel('位置说明').fill('3号楼北侧');
  await page.getByRole('button', { name: '保存巡查点' }).click();
  await page.locator('[data-testid=checkpoint]').filter({ hasText: tag }).filter({ hasText: '4 项' }).waitFor();

  // A bad route is refused by field, in Chinese, and nothing is saved.
  await page.getByLabel('路线名称').fill(`夜巡 ${tag}`);
  await page.getByRole('button', { name: '保存路线' }).click();
  await page.locator('[data-testid=patrol-error]').filter({ hasText: '巡查点' }).waitFor();
  await page.locator('[data-testid=route-points] label').filter({ hasText: tag }).locator('input').check();
  await page.getByRole('button', { name: '保存路线' }).click();
  await page.locator('[data-testid=route]').filter({ hasText: `夜巡 ${tag}` }).filter({ hasText: '每天' }).waitFor();

  // The A4 sheet: the checkpoint's QR drawing with its name.
  await page.getByRole('link', { name: '打印巡查码' }).click();
  const cell = page.locator('[data-testid=qr-cell]').filter({ hasText: `消防通道 ${tag}` });
  await cell.waitFor();
  assert.equal(await cell.locator('svg').count(), 1);
});
