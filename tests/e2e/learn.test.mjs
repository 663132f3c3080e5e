// Whole-page tests of the Learn article (the landing page) on the release build: it loads at
// ?view=learn and at the bare address, every inline widget starts in the state its text
// describes and comes back with Reset, inline widgets never touch the address bar, anchors work,
// the loss-scaling demo really trains, accessibility, and screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, openPage, appReady, afterPaint, screenshot, ROOT, assertClean, openApp } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const open = (path, opts) => openApp(browser, site, path, opts);
const inline = (name) => `[data-testid=inline-${name}]`;
const within = (page, name, testid) => page.locator(`${inline(name)} [data-testid=${testid}]`);

const SECTIONS = ['why-fp32', 'how-stored', 'formats', 'range-precision', 'mixed-precision', 'block-scaling', 'memory', 'next'];

test('?view=learn and the bare address show the article', async () => {
  for (const path of ['?view=learn', '']) {
    const { page, context, problems } = await open(path);
    assert.equal(await page.getAttribute('[data-testid=view]', 'data-view'), 'learn');
    assert.equal(await page.textContent('main h1'), 'Learn');
    assert.equal(await page.getAttribute('[data-testid=nav-learn]', 'aria-current'), 'page');
    assert.equal(await page.locator('[data-testid=url-notice]').count(), 0);
    assertClean(problems);
    await context.close();
  }
});

test('every section has an anchored heading and the table of contents reaches it', async () => {
  const { page, context, problems } = await open('?view=learn');
  for (const id of SECTIONS) {
    assert.equal(await page.locator(`h2#${id} > a[href="#${id}"]`).count(), 1, `anchor ${id}`);
    assert.equal(await page.locator(`.toc a[href="#${id}"]`).count(), 1, `toc ${id}`);
  }
  await page.click('.toc a[href="#memory"]');
  await page.waitForFunction(() => location.hash === '#memory');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('view'), 'learn', 'the hash keeps the view');
  const top = await page.evaluate(() => document.getElementById('memory').getBoundingClientRect().top);
  assert.ok(Math.abs(top) < 40, `scrolled to the section (top ${top})`);
  // The article is real text.
  const text = await page.textContent('main');
  assert.match(text, /fp32 and bf16 share a range/);
  assert.match(text, /The note says:/);
  assert.match(text, /In fact:/);
  assertClean(problems);
  await context.close();
});

test('inline widgets start in the state the text describes', async () => {
  const { page, context, problems } = await open('?view=learn');
  // fp32 editor at 0.1.
  assert.equal(await within(page, 'editor-fp32', 'format').textContent(), 'fp32');
  assert.equal(await within(page, 'editor-fp32', 'value-exact').textContent(), '0.100000001490116119384765625');
  assert.match(await page.textContent('section[aria-labelledby=how-stored]'), /0\.100000001490116119384765625/);
  // fp16 editor at its max, the next value up is infinity.
  assert.equal(await within(page, 'editor-fp16', 'format').textContent(), 'fp16');
  assert.equal(await within(page, 'editor-fp16', 'value-exact').getAttribute('data-value'), '6.5504e4');
  assert.equal(await within(page, 'editor-fp16', 'code-hex').textContent(), '0x7bff');
  assert.equal(await within(page, 'editor-fp16', 'next-up').getAttribute('data-value'), 'inf');
  // The facts table has the integer rows as integers.
  assert.match(await page.textContent('[data-testid=facts-int16]'), /15 value bits/);
  assert.match(await page.textContent('[data-testid=facts-fp16]'), /65504/);
  // torch.finfo as PyTorch prints it.
  assert.equal(await page.textContent('[data-testid=finfo-fp16-max]'), '65504');
  assert.equal(await page.textContent('[data-testid=finfo-bf16-max]'), '3.38953e+38');
  assert.equal(await page.textContent('[data-testid=finfo-fp32-max]'), '3.40282e+38');
  assert.equal(await page.textContent('[data-testid=finfo-fp16-eps]'), '0.000976562');
  assert.equal(Number(await page.getAttribute('[data-testid=finfo-bf16-max]', 'data-value')), (2 - 2 ** -7) * 2 ** 127);
  const printout = await page.textContent('[data-testid=finfo-printout]');
  assert.ok(printout.includes('finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)'), printout);
  assert.ok(printout.includes('finfo(resolution=0.01, min=-3.38953e+38, max=3.38953e+38, eps=0.0078125, smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=bfloat16)'), printout);
  // Memory: 16N, and the note's examples in both units.
  assert.equal(await page.textContent('[data-testid=model-states-total]'), '16');
  assert.equal(await page.textContent('[data-testid=memory-qwen2-72b-bf16-weights-gib]'), '135.43 GiB');
  assert.equal(await page.textContent('[data-testid=memory-qwen2-72b-bf16-weights-gb]'), '145.41 GB');
  assert.equal(await page.textContent('[data-testid=memory-mistral-7b-adam-training-gb]'), '112.00 GB');
  assert.equal(await page.textContent('[data-testid=memory-mistral-7b-adam-training-gib]'), '104.31 GiB');
  // The demo starts with loss scaling on, at step 0.
  assert.equal(await page.isChecked('[data-testid=demo-scaling]'), true);
  assert.match(await page.textContent('[data-testid=demo-steps]'), /^0 of /);
  assert.equal(await page.textContent('[data-testid=demo-scale]'), '2^16');
  assertClean(problems);
  await context.close();
});

test('Reset restores each widget, and inline widgets never change the address bar', async () => {
  const { page, context, problems } = await open('?view=learn');
  const before = page.url();
  // Flip the fp32 sign bit, type into the fp16 editor, then reset both.
  await within(page, 'editor-fp32', 'bit-31').click();
  assert.equal(await within(page, 'editor-fp32', 'value-exact').textContent(), '-0.100000001490116119384765625');
  await page.locator(`${inline('editor-fp16')} input[type=text]`).fill('1/3');
  await page.waitForFunction(() => document.querySelector('[data-testid=inline-editor-fp16] [data-testid=code-hex]').textContent === '0x3555');
  await within(page, 'editor-fp16', 'format-select').selectOption('bf16');
  assert.equal(await within(page, 'editor-fp16', 'format').textContent(), 'bf16');
  await afterPaint(page); // the address bar is written after the paint, if at all
  assert.equal(await page.evaluate(() => location.href), before, 'edits stay in the widget');
  await page.click('[data-testid=reset-editor-fp32]');
  assert.equal(await within(page, 'editor-fp32', 'value-exact').textContent(), '0.100000001490116119384765625');
  await page.click('[data-testid=reset-editor-fp16]');
  assert.equal(await within(page, 'editor-fp16', 'format').textContent(), 'fp16');
  assert.equal(await within(page, 'editor-fp16', 'code-hex').textContent(), '0x7bff');
  // The demo: step, switch scaling off, then reset.
  await page.click('[data-testid=demo-step]');
  await page.waitForFunction(() => document.querySelector('[data-testid=demo-steps]').textContent.startsWith('1 of'));
  await page.uncheck('[data-testid=demo-scaling]');
  assert.match(await page.textContent('[data-testid=demo-steps]'), /^0 of /, 'switching restarts the run');
  assert.equal(await page.textContent('[data-testid=demo-scale]'), 'none');
  await page.click('[data-testid=demo-step]');
  await page.waitForFunction(() => document.querySelector('[data-testid=demo-steps]').textContent.startsWith('1 of'));
  await page.click('[data-testid=reset-demo]');
  assert.equal(await page.isChecked('[data-testid=demo-scaling]'), true);
  assert.match(await page.textContent('[data-testid=demo-steps]'), /^0 of /);
  assert.equal(page.url(), before, 'no widget wrote to the address bar');
  assertClean(problems);
  await context.close();
});

test('with loss scaling off the gradients vanish and the loss stays put; with it on the loss falls', async () => {
  const { page, context, problems } = await open('?view=learn#mixed-precision');
  const play = async () => {
    await page.click('[data-testid=demo-play]');
    await page.waitForFunction(() => /^400 of/.test(document.querySelector('[data-testid=demo-steps]').textContent), null, { timeout: 60_000 });
    return {
      loss: Number(await page.textContent('[data-testid=demo-loss]')),
      flushed: await page.textContent('[data-testid=demo-flushed]'),
    };
  };
  const on = await play();
  await page.uncheck('[data-testid=demo-scaling]');
  await page.click('[data-testid=demo-step]');
  const start = Number(await page.textContent('[data-testid=demo-loss]'));
  const off = await play();
  assert.equal(off.flushed, '100%');
  assert.equal(off.loss, start, 'no gradient survives, so the loss never changes');
  assert.ok(on.loss < start / 2, `with scaling the loss falls: ${start} -> ${on.loss}`);
  assert.match(await page.textContent('[data-testid=phase-scale]'), /off/);
  await screenshot(page, 'learn-demo');
  assertClean(problems);
  await context.close();
});

test('links lead into every view', async () => {
  const { page, context, problems } = await open('?view=learn');
  for (const slug of ['formats', 'plots', 'memory', 'train']) {
    assert.equal(await page.getAttribute(`[data-testid=next-${slug}]`, 'href'), `?view=${slug}`);
  }
  assertClean(problems);
  await context.close();
});

test('the article fits a 375 px phone and prints', async () => {
  const { page, context, problems } = await open('?view=learn', { viewport: { width: 375, height: 740 } });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page is ${width}px wide`);
  await screenshot(page, 'learn-phone');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('.site-nav'), false, 'no navigation on paper');
  assert.equal(await page.isVisible('[data-testid=reset-editor-fp32]'), false, 'no buttons on paper');
  assert.equal(await page.isVisible('[data-testid=finfo-table]'), true);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10_000, 'a PDF came out');
  assertClean(problems);
  await context.close();
});

test('no serious or critical accessibility violations (axe-core), light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, context, problems } = await open('?view=learn', { colorScheme: scheme, bypassCSP: true });
    await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], `${scheme}: ${JSON.stringify(bad, null, 1)}`);
    await screenshot(page, `learn-${scheme}`);
    assertClean(problems);
    await context.close();
  }
});

test('the inline plots and memory calculator start where the text says', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=learn'));
  await appReady(page);
  const plots = page.locator('[data-testid=inline-plots]');
  assert.equal(await plots.locator('svg').count(), 2);
  assert.match(await plots.locator('[data-testid=caption-range]').textContent(), /fp32.*fp16.*bf16|fp16/);
  // The block editor in NVFP4, on the values the block-scaling section works through.
  const block = page.locator('[data-testid=inline-block]');
  await block.scrollIntoViewIfNeeded();
  const summary = await block.locator('[data-testid=mx-summary]').textContent();
  assert.match(summary, /S = 448 × 6 \/ 10.5 = 256; block 1: s = 448 \(E4M3 0x7e\); block 2: s = 0.04296875/);
  assert.match(await block.locator('[data-testid=mx-row-2]').textContent(), /0\.875/);
  const memory = page.locator('[data-testid=inline-memory]');
  assert.equal(await memory.locator('[data-testid=mem-row-weights]').getAttribute('data-bytes'), '145412407296');
  const before = page.url();
  await memory.locator('select').first().selectOption({ index: 1 });
  assert.equal(page.url(), before, 'the inline calculator keeps its state to itself');
  await page.click('[data-testid=reset-memory]');
  await page.waitForFunction(() => document.querySelector('[data-testid=inline-memory] [data-testid=mem-row-weights]')?.getAttribute('data-bytes') === '145412407296');
  assert.deepEqual(problems.consoleErrors, []);
  assert.deepEqual(problems.foreignRequests, []);
  await context.close();
});
