// A checkpoint scanned through the camera, offline: Chromium's fake camera plays a video made
// here from the printed sheet's QR drawing, the field app reads it with the wasm decoder (this
// Chromium has no BarcodeDetector), matches it to its checkpoint by digest, and the server
// takes the scan at sync as the checkpoint's signed code; a finding with a photo taken offline
// becomes an order, survives an offline reload, and reaches the desk with its deadlines and
// the photo once back online. Its own browser: the fake camera is a launch flag. See ../lib.mjs for running.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.mjs';
import { BASE_URL, login, pngOf, staffSession, synced } from '../lib.mjs';

async function api(session, method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-anju-csrf': '1', cookie: session.cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** A y4m video (4:2:0) of the code's SVG drawing, white paper on a grey frame. */
function y4m(svg, frames = 10) {
  const size = Number(svg.match(/viewBox="0 0 (\d+)/)[1]);
  const dark = new Uint8Array(size * size);
  for (const match of svg.matchAll(/M(\d+) (\d+)h(\d+)v(\d+)/g)) {
    const [, l, t, w, h] = match.map(Number);
    for (let y = t; y < t + h; y++) for (let x = l; x < l + w; x++) dark[y * size + x] = 1;
  }
  const side = 480;
  const margin = 40;
  const inner = side - 2 * margin;
  const luma = Buffer.alloc(side * side, 180);
  for (let y = 0; y < inner; y++) {
    for (let x = 0; x < inner; x++) {
      const sx = Math.floor((x * size) / inner);
      const sy = Math.floor((y * size) / inner);
      luma[(y + margin) * side + x + margin] = dark[sy * size + sx] ? 20 : 235;
    }
  }
  const chroma = Buffer.alloc((side / 2) * (side / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${side} H${side} F10:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  return Buffer.concat([header, ...Array(frames).fill(frame)]);
}

test('a checkpoint is scanned through the camera offline, read by the wasm decoder, and taken by the server', { timeout: 150_000 }, async () => {
  assert.ok(BASE_URL, 'ANJU_URL is not set: run `cargo xtask test e2e`');
  const tag = `cam${Date.now()}`;
  const pm = await staffSession('pm');
  const caretaker = await staffSession('guanjia1');
  const estate = 'est-cuihu';
  const checkpoint = `cp-${tag}`;
  let r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/checkpoints/${checkpoint}`, {
    name: `水泵房 ${tag}`, checklist: ['设备运行无异响渗漏'],
  });
  assert.equal(r.status, 200);
  r = await api(pm, 'PUT', `/api/estates/${estate}/patrols/routes/route-${tag}`, {
    name: `设备巡查 ${tag}`, checkpoints: [checkpoint], caretakers: [caretaker.me.id],
    earliest: '00:00', latest: '23:59',
  });
  assert.equal(r.status, 200);
  const sheet = await api(pm, 'GET', `/api/estates/${estate}/patrols/codes`);
  const code = sheet.json.codes.find((c) => c.checkpoint_id === checkpoint);
  const video = join(tmpdir(), `anju-${tag}.y4m`);
  await writeFile(video, y4m(code.svg));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  try {
    const context = await browser.newContext({ baseURL: BASE_URL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    await context.grantPermissions(['camera'], { origin: BASE_URL });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto('/field');
    await login(page, 'guanjia1');
    await synced(page);
    assert.equal(await page.evaluate(() => 'BarcodeDetector' in window), false, 'this Chromium has no BarcodeDetector');
    await page.getByRole('link', { name: '巡查' }).click();
    await page.locator('[data-testid=patrol-route]').filter({ hasText: tag }).waitFor();
    await context.setOffline(true);
    await page.reload();
    await page.locator('[data-testid=sync-state][data-online="false"]').waitFor();
    await page
      .locator('[data-testid=patrol-route]')
      .filter({ hasText: tag })
      .getByRole('button', { name: '开始巡查' })
      .click();
    const point = page.locator('[data-testid=patrol-checkpoint]').filter({ hasText: tag });
    await point.getByRole('button', { name: '扫码' }).click();
    await point.locator('[data-testid=checkpoint-status][data-proof=qr]').waitFor();
    await point.getByText('扫码').first().waitFor();

    // Still offline: a finding with a photo taken now, turned into an order.
    const checklist = point.locator('[data-testid=checklist-item]').filter({ hasText: '设备运行无异响渗漏' });
    await checklist.getByRole('button', { name: '有问题' }).click();
    await page.getByLabel('说明(几个字)').fill(`水泵漏水 ${tag}`);
    const width = 3 + (Date.now() % 40);
    const photo = pngOf(width, [120, 120, 120]);
    await page
      .locator('[data-testid=finding-form] input[type=file]')
      .setInputFiles({ name: 'IMG_0301.png', mimeType: 'image/png', buffer: photo });
    await page.locator('[data-testid=sync-state][data-photos="1"]').waitFor();
    await page.getByRole('button', { name: '保存问题' }).click();
    await checklist.getByRole('button', { name: '转为工单' }).click();
    await checklist.locator('[data-testid=item-verdict]').filter({ hasText: '已转工单' }).waitFor();
    // Reloaded offline: the scan, the finding, the order and the photo are all still there.
    await page.reload();
    await page.locator('[data-testid=sync-state][data-online="false"][data-photos="1"]').waitFor();
    await page
      .locator('[data-testid=patrol-checkpoint]')
      .filter({ hasText: tag })
      .locator('[data-testid=item-verdict]')
      .filter({ hasText: '已转工单' })
      .waitFor();

    await context.setOffline(false);
    await synced(page);
    assert.equal(await page.locator('[data-testid=rejected]').count(), 0, 'the server took the signed code');
    // And the round's scan is the code's, on the server.
    const pulled = await api(caretaker, 'POST', '/api/sync', {
      device_id: `check-${tag}`, estate_id: estate, push: [], cursor: 0,
    });
    let events = pulled.json.events;
    let cursor = pulled.json.cursor;
    let more = pulled.json.more;
    while (more) {
      const next = await api(caretaker, 'POST', '/api/sync', {
        device_id: `check-${tag}`, estate_id: estate, push: [], cursor,
      });
      events = events.concat(next.json.events);
      cursor = next.json.cursor;
      more = next.json.more;
    }
    const scan = events.find((e) => e.subject.kind === 'round' && e.body.step === 'scanned' && e.body.checkpoint_id === checkpoint);
    assert.equal(scan.body.proof, 'qr');
    assert.equal(scan.body.token, code.token);

    // The desk sees the order from the patrol with its deadlines and the photo taken offline.
    // Its own context: the tablet's holds the caretaker's session.
    const deskContext = await browser.newContext({ baseURL: BASE_URL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    deskContext.setDefaultTimeout(20_000);
    const desk = await deskContext.newPage();
    await desk.goto('/desk');
    await login(desk, 'desk');
    const row = desk.locator('[data-testid=order-row]').filter({ hasText: `水泵漏水 ${tag}` });
    await row.getByRole('link').first().click();
    const card = desk.locator('[data-testid=field-order-detail]').filter({ hasText: tag });
    await card.locator('[data-testid=countdown-dispatch]').waitFor();
    const thumb = card.locator('[data-testid=photos] img');
    await thumb.waitFor();
    await desk.waitForFunction(([img, w]) => img.complete && img.naturalWidth === w, [await thumb.elementHandle(), width]);
  } finally {
    await browser.close();
    await rm(video, { force: true });
  }
});
