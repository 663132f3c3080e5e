// Whole-page tests of the Formats view: URL states, clicking bits, typing values, keyboard-only
// use and accessibility, checked against decoders written here (DataView, Float16Array) that
// share nothing with the Rust engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, appReady, screenshot, ROOT, assertClean, openApp } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const readout = (page, id) => page.getAttribute(`[data-testid=${id}]`, 'data-value');
const text = (page, id) => page.textContent(`[data-testid=${id}]`);
const num = (s) => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

// Independent decoders.
function fp32(bits) { const v = new DataView(new ArrayBuffer(4)); v.setUint32(0, bits >>> 0); return v.getFloat32(0); }
function bf16(bits) { return fp32((bits & 0xffff) << 16); }
function fp16(bits) {
  const s = bits >> 15 ? -1 : 1, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
const same = (a, b) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

const open = (path, opts) => openApp(browser, site, path, opts);

test('URL states show the right readouts', async () => {
  const { page, context, problems } = await open('?view=formats&format=bf16&bits=0x3f80');
  assert.equal(await text(page, 'format'), 'bf16');
  assert.equal(await text(page, 'bits'), '0011111110000000');
  assert.equal(await text(page, 'code-hex'), '0x3f80');
  assert.equal(await text(page, 'class'), 'normal');
  assert.equal(num(await readout(page, 'value-exact')), 1);
  assert.equal(num(await readout(page, 'next-up')), 1 + 2 ** -7);
  assert.equal(num(await readout(page, 'next-down')), 1 - 2 ** -8);

  await page.goto(site.url('?view=formats&format=fp16&value=0.1'));
  await appReady(page);
  assert.equal(await text(page, 'code-hex'), '0x2e66');
  assert.equal(await text(page, 'value-exact'), '0.0999755859375');
  assert.equal(await text(page, 'value-shortest'), '0.1');
  const abs = num(await readout(page, 'abs-error'));
  assert.ok(Math.abs(abs - 2.44140625e-5) <= 2.44140625e-5 * 1e-15, `abs error ${abs}`);
  const rel = num(await readout(page, 'rel-error'));
  assert.ok(Math.abs(rel - 2.44140625e-4) <= 2.44140625e-4 * 1e-12, `rel error ${rel}`);

  await page.goto(site.url('?view=formats&format=e4m3fn&value=464'));
  await appReady(page);
  assert.equal(num(await readout(page, 'value-exact')), 448, 'ties to even: 464 -> 448');
  assert.match(await text(page, 'specials'), /0x7f, 0xff/);
  await page.goto(site.url('?view=formats&format=fp16&value=1e6'));
  await appReady(page);
  assert.equal(await readout(page, 'value-exact'), 'inf');
  assert.match(await text(page, 'error-block'), /overflowed/);
  assertClean(problems);
  await context.close();
});

test('clicking bits flips them and every readout follows (fp16 and bf16)', async () => {
  for (const [format, decode] of [['fp16', fp16], ['bf16', bf16]]) {
    const { page, context, problems } = await open(`?view=formats&format=${format}&bits=0x0000`);
    let code = 0;
    let seed = 12345;
    for (let i = 0; i < 25; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const bit = seed % 16;
      await page.click(`[data-testid=bit-${bit}]`);
      code ^= 1 << bit;
      const hex = '0x' + code.toString(16).padStart(4, '0');
      await page.waitForFunction((h) => document.querySelector('[data-testid=code-hex]').textContent === h, hex);
      assert.equal(await text(page, 'bits'), code.toString(2).padStart(16, '0'));
      const want = decode(code);
      assert.ok(same(num(await readout(page, 'value-exact')), want), `${format} ${hex}: ${want}`);
      const pressed = await page.getAttribute(`[data-testid=bit-${bit}]`, 'aria-pressed');
      assert.equal(pressed, String(Boolean(code & (1 << bit))));
    }
    // The address bar follows the editor right after the paint.
    await page.waitForFunction((b) => new URLSearchParams(location.search).get('bits') === b, '0x' + code.toString(16).padStart(4, '0'));
    assertClean(problems);
    await context.close();
  }
});

test('typed values are rounded as Math.fround rounds them (fp32)', async () => {
  const { page, context, problems } = await open('?view=formats&format=fp32');
  for (const typed of ['0.1', '-3.5e-4', '1/3', '16777217', '3.4028235e38', '1e-45', '-0', '0x1.8p3', 'inf']) {
    await page.fill('[data-testid=value-input]', typed);
    const x = typed === '1/3' ? 1 / 3 : typed === '0x1.8p3' ? 12 : typed === 'inf' ? Infinity : Number(typed);
    const want = Math.fround(x);
    await page.waitForFunction((t) => new URLSearchParams(location.search).get('value') === t, typed);
    const got = num(await readout(page, 'value-exact'));
    assert.ok(same(got, want), `${typed}: got ${got}, want ${want}`);
    assert.equal(new URL(page.url()).searchParams.get('value'), typed);
  }
  // The decimal 3.4028235677973366e38 lies just below the midpoint between fp32's max and 2^128.
  // Math.fround(Number(...)) rounds twice (to the f64 midpoint, then up to Infinity); the engine
  // rounds the decimal once, correctly, and keeps the max.
  await page.fill('[data-testid=value-input]', '3.4028235677973366e38');
  await page.waitForFunction(() => document.querySelector('[data-testid=code-hex]').textContent === '0x7f7fffff');
  assert.equal(Math.fround(3.4028235677973366e38), Infinity, 'the double rounding this guards against');
  assertClean(problems);
  await context.close();
});

test('bad input shows an inline error and keeps the last good value', async () => {
  const { page, context, problems } = await open('?view=formats&format=fp16&value=2.5');
  const before = await readout(page, 'value-exact');
  for (const bad of ['1.2.3', 'abc', '0x1ffff', '<img src=x onerror=alert(1)>', '1e', '1/0']) {
    await page.fill('[data-testid=value-input]', bad);
    await page.waitForSelector('[data-testid=value-input][aria-invalid=true]');
    assert.match(await text(page, 'value-error'), /Cannot use this/);
    assert.equal(await readout(page, 'value-exact'), before, `${bad} keeps the value`);
    assert.equal(new URL(page.url()).searchParams.get('value'), '2.5', `${bad} keeps the URL`);
  }
  assert.equal(await page.locator('main img').count(), 0, 'no markup injected');
  await page.fill('[data-testid=value-input]', '3');
  await page.waitForSelector('[data-testid=value-input][aria-invalid=false]');
  assert.equal(num(await readout(page, 'value-exact')), 3);
  assertClean(problems);
  await context.close();
});

test('hostile URL parameters fall back to defaults with a notice', async () => {
  const { page, context, problems } = await open(
    `?view=formats&format=${encodeURIComponent('<script>alert(1)</script>')}&round=sideways&value=${'9'.repeat(3000)}`,
  );
  const notices = await page.locator('[data-testid=url-notice]').allTextContents();
  assert.ok(notices.some((n) => n.includes('no such format')), notices.join('\n'));
  assert.ok(notices.some((n) => n.includes('round')), notices.join('\n'));
  assert.ok(notices.some((n) => n.includes('longer than')), notices.join('\n'));
  assert.equal(await text(page, 'format'), 'fp32');
  assert.equal(await page.locator('main script').count(), 0);
  await page.goto(site.url('?view=formats&format=custom&exp=40&man=2'));
  await appReady(page);
  assert.match((await page.locator('[data-testid=url-notice]').allTextContents()).join(' '), /custom format/);
  assertClean(problems);
  await context.close();
});

test('keyboard only: Tab to the bits, arrows move, Space flips, Up/Down step', async () => {
  const { page, context, problems } = await open('?view=formats&format=fp16&bits=0x3c00');
  await page.focus('[data-testid=format-select]');
  let guard = 0;
  while (!(await page.evaluate(() => document.activeElement?.dataset?.index !== undefined)) && guard++ < 20) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.dataset.index), '15', 'Tab lands on the sign bit');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'sign bit, clear');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('[data-testid=code-hex]').textContent === '0xbc00');
  assert.equal(num(await readout(page, 'value-exact')), -1);
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'exponent bit 4, clear');
  await page.keyboard.press('ArrowUp'); // next value up from -1 is -1 + 2^-11
  await page.waitForFunction(() => document.querySelector('[data-testid=code-hex]').textContent === '0xbbff');
  assert.equal(num(await readout(page, 'value-exact')), -1 + 2 ** -11);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('[data-testid=code-hex]').textContent === '0xbc01');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.index), '14', 'focus stays on the bit');
  // One Tab leaves the bit group (roving tabindex): the next stop is not a bit.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.index), undefined);
  assertClean(problems);
  await context.close();
});

test('rows of the same-value table switch the editor; facts download as CSV and Markdown', async () => {
  const { page, context, problems } = await open('?view=formats&format=fp32&value=70000');
  assert.match(await page.textContent('[data-testid=same-fp16]'), /overflow/);
  await page.click('[data-testid=same-bf16] button');
  await page.waitForFunction(() => document.querySelector('[data-testid=format]').textContent === 'bf16');
  assert.equal(num(await readout(page, 'value-exact')), 70144);
  await page.waitForFunction(() => new URLSearchParams(location.search).get('format') === 'bf16');
  const csv = decodeURIComponent((await page.getAttribute('[data-testid=facts-csv]', 'href')).split(',').slice(1).join(','));
  assert.match(csv, /^format,total bits/);
  assert.match(csv, /\nfp16,16,5,10,15,65504,/);
  assert.equal(await page.getAttribute('[data-testid=facts-md]', 'download'), 'precision-lab-formats.md');
  assert.match(await page.textContent('[data-testid=facts-e4m3fn]'), /448/);
  assertClean(problems);
  await context.close();
});

test('the MX block editor quantizes with a shared E8M0 scale', async () => {
  const { page, context, problems } = await open('?view=formats&mxel=mxfp4-e2m1&mxscale=floor&mx=1,2,3,-6.5,100');
  const summary = await text(page, 'mx-summary');
  // floor(log2 100) = 6, E2M1 emax = 2: X = 2^4 = 16. 100/16 = 6.25 -> 6 (fits); 1/16 -> 0.
  assert.match(summary, /X = 2\^4/);
  assert.match(summary, /4.25 bits per element/);
  assert.equal(await page.locator('[data-testid=mx-table] tbody tr').count(), 5);
  await page.selectOption('[data-testid=mx-scale]', 'up');
  await page.waitForFunction(() => /X = 2\^5/.test(document.querySelector('[data-testid=mx-summary]').textContent));
  assert.equal(new URL(page.url()).searchParams.get('mxscale'), 'up');
  assertClean(problems);
  await context.close();
});

test('the block editor shows NVFP4: E4M3 block scales under a tensor scale', async () => {
  // 20 values: a block of 16 and one of 4. amax 10.5 gives the tensor scale S = 2688 / 10.5 = 256.
  // Block 1 asks for s = 10.5 x 256 / 6 = 448 (E4M3 0x7e); block 2's amax 1e-3 asks for
  // 1e-3 x 256 / 6 = 0.0427, E4M3 0.04296875 = 2^-5 x 1.375 (0 0010 011, 0x13); its 1e-6 is
  // flushed to zero.
  const values = [10.5, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1e-3, -5e-4, 1e-6, 0];
  const { page, context, problems } = await open(`?view=formats&mxel=nvfp4&mx=${values.join(',')}`);
  const summary = await text(page, 'mx-summary');
  assert.match(summary, /S = 448 × 6 \/ 10.5 = 256/);
  assert.match(summary, /block 1: s = 448 \(E4M3 0x7e\); block 2: s = 0.04296875 \(E4M3 0x13\)/);
  assert.match(summary, /4.5 bits per element/);
  assert.equal(await page.locator('[data-testid=mx-table] tbody tr').count(), 20);
  assert.match(await page.textContent('[data-testid=mx-row-18]'), /flushed to zero/);
  // MX's scale rounding does not apply to NVFP4's E4M3 scale.
  assert.equal(await page.isDisabled('[data-testid=mx-scale]'), true);
  // Back to MX from the menu: one block of up to 32, the URL follows.
  await page.selectOption('[data-testid=mx-element]', 'mxfp4-e2m1');
  await page.waitForFunction(() => /X = 2\^/.test(document.querySelector('[data-testid=mx-summary]').textContent));
  assert.equal(new URL(page.url()).searchParams.get('mxel'), 'mxfp4-e2m1');
  assertClean(problems);
  await context.close();
});

test('no serious or critical accessibility violations (axe-core)', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, context } = await open('?view=formats&format=e4m3fn&value=0.3', { colorScheme: scheme, bypassCSP: true });
    await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], `${scheme}: ${JSON.stringify(bad, null, 1)}`);
    await screenshot(page, `formats-${scheme}`);
    await context.close();
  }
});
