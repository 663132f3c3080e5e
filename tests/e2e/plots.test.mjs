// Whole-page tests of the Range & precision view: the plots follow the editor, their controls
// live in the URL, hostile parameters are notices, and downloads are offered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serve, launch, appReady, afterPaint, screenshot, assertClean, openApp } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const PLOTS = ['range', 'precision', 'number-line', 'quantize', 'rounding'];

const open = (path, opts) => openApp(browser, site, path, opts);
const svgOf = (page, name) => page.innerHTML(`[data-testid=plot-${name}] .plot-svg`);

test('all five plots render with captions, and follow the editor', async () => {
  const { page, context, problems } = await open('?view=plots&format=fp16&value=0.1');
  for (const name of PLOTS) {
    assert.equal(await page.locator(`[data-testid=plot-${name}] svg`).count(), 1, name);
    assert.ok((await page.textContent(`[data-testid=caption-${name}]`)).length > 20, `${name} caption`);
  }
  assert.match(await page.textContent('[data-testid=caption-range]'), /fp16/);
  const before = Object.fromEntries(await Promise.all(PLOTS.map(async (n) => [n, await svgOf(page, n)])));
  await page.selectOption('[data-testid=format-select]', 'e4m3fn');
  await page.waitForFunction(() => /e4m3fn/.test(document.querySelector('[data-testid=caption-number-line]').textContent));
  // fp16 and e4m3fn are both among the compared formats, so the range and precision plots keep
  // their bars; the plots of the editor's own format change.
  for (const name of ['number-line', 'quantize', 'rounding']) {
    assert.notEqual(await svgOf(page, name), before[name], `${name} changed with the format`);
  }
  await page.waitForFunction(() => new URLSearchParams(location.search).get('format') === 'e4m3fn');
  // The value marker moves with the typed value.
  const withTenth = await svgOf(page, 'range');
  await page.fill('[data-testid=value-input]', '300');
  await page.waitForFunction((old) => document.querySelector('[data-testid=plot-range] .plot-svg').innerHTML !== old, withTenth);
  assertClean(problems);
  await context.close();
});

test('the scale slider moves values out of underflow (the idea behind loss scaling)', async () => {
  const { page, context, problems } = await open('?view=plots&format=fp16');
  const underflow = async () => parseFloat(await page.textContent('[data-testid=quantize-underflow]'));
  const unscaled = await underflow();
  assert.ok(unscaled > 20, `log-normal gradients around 2^-24 underflow in fp16: ${unscaled}%`);
  await page.goto(site.url('?view=plots&format=fp16&scale=16'));
  await appReady(page);
  const scaled = await underflow();
  assert.ok(scaled < unscaled / 4, `scaled by 2^16: ${scaled}% vs ${unscaled}%`);
  await page.locator('[data-testid=quantize-scale]').fill('8');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('scale') === '8');
  assertClean(problems);
  await context.close();
});

test('compared formats live in the URL; hostile values are notices, never markup', async () => {
  const { page, context, problems } = await open(
    `?view=plots&compare=fp32,bf16,${encodeURIComponent('<script>alert(1)</script>')}&dist=${encodeURIComponent('"><img src=x>')}`,
  );
  const notices = (await page.locator('[data-testid=url-notice]').allTextContents()).join('\n');
  assert.match(notices, /compare/);
  assert.match(notices, /dist/);
  assert.equal(await page.locator('main script, main img').count(), 0);
  assert.equal(await page.isChecked('[data-testid=compare-bf16]'), true);
  assert.equal(await page.isChecked('[data-testid=compare-fp16]'), false);
  await page.check('[data-testid=compare-fp16]');
  await page.waitForFunction(() => (new URLSearchParams(location.search).get('compare') || '').includes('fp16'));
  assert.match(await page.textContent('[data-testid=caption-range]'), /fp16/);
  // The SVG file is written when asked for, so it shows the plot as it is now (fp16 included).
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-svg-range]')]);
  assert.equal(download.suggestedFilename(), 'precision-lab-range.svg');
  const file = readFileSync(await download.path(), 'utf8');
  assert.match(file, /^<svg [^>]*width="720"/);
  assert.match(file, /<desc>/);
  assert.match(file, /data-format="fp16"/);
  assertClean(problems);
  await context.close();
});

test('the Formats view shows the range and precision plots beside the editor', async () => {
  const { page, context, problems } = await open('?view=formats&format=bf16&value=3e38');
  assert.equal(await page.locator('.editor-plots [data-testid=plot-range] svg').count(), 1);
  assert.equal(await page.locator('.editor-plots [data-testid=plot-precision] svg').count(), 1);
  assert.match(await page.textContent('.editor-plots [data-testid=caption-range]'), /bf16/);
  assertClean(problems);
  await context.close();
});

test('the plots beside the editor catch up after a bit click, and a pending redraw ends with the view', async () => {
  const { page, context, problems } = await open('?view=formats&format=fp16&value=1');
  const marker = '.editor-plots [data-testid=plot-range] [data-marker=value]';
  const x1 = await page.getAttribute(marker, 'data-x');
  assert.match(await page.textContent('.editor-plots [data-testid=caption-precision]'), /Circle: x = 1\./);
  // fp16 1 is 0x3c00; bit 14 set makes 0x7c00, +Inf: the plots drop their value markers.
  await page.click('[data-testid=bit-14]');
  await page.waitForFunction(() => !/Circle/.test(document.querySelector('.editor-plots [data-testid=caption-precision]').textContent));
  assert.equal(await page.textContent('[data-testid=code-hex]'), '0x7c00');
  await page.waitForFunction((m) => document.querySelector(m) === null, marker);
  // Back to 1 (0x3c00): the marker returns where it was.
  await page.click('[data-testid=bit-14]');
  await page.waitForSelector(marker, { state: 'attached' });
  assert.equal(await page.getAttribute(marker, 'data-x'), x1);
  assert.match(await page.textContent('.editor-plots [data-testid=caption-precision]'), /Circle: x = 1\./);
  // A click and a navigation in one task: the redraw queued for the next paint must be
  // cancelled with the view, not run against it.
  await page.evaluate(() => {
    document.querySelector('[data-testid=bit-0]').click();
    document.querySelector('[data-testid=nav-memory]').click();
  });
  await page.waitForSelector('[data-testid=view][data-view=memory]');
  await afterPaint(page);
  assert.equal(await page.locator('.editor-plots').count(), 0);
  // The click's address-bar write was still waiting for the paint when the navigation pushed a
  // new entry: it went to the entry we left first, so Back shows the clicked code.
  await page.goBack();
  await page.waitForSelector('[data-testid=view][data-view=formats]');
  assert.equal(await page.textContent('[data-testid=code-hex]'), '0x3c01');
  assertClean(problems);
  await context.close();
});

test('screenshots of the plots view, light and dark and on a phone', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, context, problems } = await open('?view=plots&format=fp16&value=0.1', { colorScheme: scheme });
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=plot-range] svg rect')).fill
      || document.querySelector('[data-testid=plot-range] svg rect').getAttribute('fill'));
    assert.ok(bg, 'the plot paints a background');
    await screenshot(page, `plots-${scheme}`);
    assertClean(problems);
    await context.close();
  }
  const { page, context } = await open('?view=plots', { viewport: { width: 375, height: 740 } });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 375);
  await screenshot(page, 'plots-phone');
  await context.close();
});
