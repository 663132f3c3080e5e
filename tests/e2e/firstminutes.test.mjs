// Whole-page tests of what a new reader meets in the first ten minutes (issue "What a new user
// trips over"): readouts that say what happened, legends that fit the format, per-view titles, a
// phone's tab bar, the compare limit, and the Learn article's corrected wording and layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openApp, assertClean, screenshot } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const text = (page, id) => page.textContent(`[data-testid=${id}]`);

test('an integer code reads back as itself, not as a decimal that saturates', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=formats&format=int8&value=max');
  assert.equal(await text(page, 'value-shortest'), '127');
  await page.goto(site.url('?view=formats&format=e3m2fn&value=max'));
  await page.waitForFunction(() => document.querySelector('[data-testid=value-shortest]')?.textContent === '28');
  assertClean(problems);
  await context.close();
});

test('an overflow says where the value went, never "NaN"', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=formats&format=fp16&value=1e400');
  const block = await text(page, 'error-block');
  assert.match(block, /overflowed to \+Inf/);
  assert.match(block, /absolute infinite/);
  assert.doesNotMatch(block, /NaN/);
  await page.goto(site.url('?view=formats&format=e4m3fn&value=1e400'));
  await page.waitForFunction(() => /overflowed to NaN/.test(document.querySelector('[data-testid=error-block]')?.textContent));
  await page.goto(site.url('?view=formats&format=fp16&value=70000&overflow=saturate'));
  await page.waitForFunction(() => /clamped to the largest finite value, 65504/.test(document.querySelector('[data-testid=error-block]')?.textContent));
  assertClean(problems);
  await context.close();
});

test('"stored exactly" reads as good news, not in the error colour', async () => {
  const { page, context } = await openApp(browser, site, '?view=formats&format=fp16&value=0.5');
  const summary = page.locator('[data-testid=error-summary]');
  assert.match(await summary.textContent(), /stored exactly/);
  const [colour, error] = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--error)';
    document.body.append(probe);
    const e = getComputedStyle(probe).color;
    probe.remove();
    return [getComputedStyle(document.querySelector('[data-testid=error-summary]')).color, e];
  });
  assert.notEqual(colour, error);
  await context.close();
});

test('the bit legend names the fields of the format shown', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=formats&format=int8&value=1');
  assert.equal(await text(page, 'bit-legend'), "sign (weight -2^7)value bits (two's complement)");
  await page.goto(site.url('?view=formats&format=nf4&value=1'));
  await page.waitForFunction(() => document.querySelector('[data-testid=bit-legend]')?.textContent === 'index into the 16 NF4 levels');
  await page.goto(site.url('?view=formats&format=fp16&value=1'));
  await page.waitForFunction(() => document.querySelector('[data-testid=bit-legend]')?.textContent === 'signexponentmantissa');
  assertClean(problems);
  await context.close();
});

test('every view and widget has a title of its own', async () => {
  const { page, context } = await openApp(browser, site, '?view=learn');
  const titles = new Set();
  for (const view of ['learn', 'formats', 'plots', 'memory', 'train']) {
    await page.click(`[data-testid=nav-${view}]`);
    await page.waitForSelector(`[data-testid=view][data-view=${view}] h1`);
    const title = await page.title();
    assert.match(title, / · Precision Lab$/);
    titles.add(title);
  }
  assert.equal(titles.size, 5);
  assert.equal(await page.title(), 'Trainer · Precision Lab');
  await page.goto(site.url('?embed=range'));
  await page.waitForFunction(() => document.title === 'dynamic range · Precision Lab' || /range/.test(document.title));
  assert.match(await page.title(), /range.* · Precision Lab/);
  await context.close();
});

test('on a phone the tab bar is one row and the page does not scroll sideways', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=memory', { viewport: { width: 375, height: 740 } });
  const tops = await page.$$eval('.site-nav li', (items) => items.map((li) => Math.round(li.getBoundingClientRect().top)));
  assert.equal(new Set(tops).size, 1, `tabs on one row: ${tops}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await screenshot(page, 'phone-tabs');
  assertClean(problems);
  await context.close();
});

test('a seventh format cannot be ticked in Compare, and the page says why', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=plots&compare=fp32,fp16,bf16,e4m3fn,e5m2,fp64');
  assert.equal(await page.isVisible('[data-testid=compare-full]'), true);
  assert.equal(await page.isDisabled('[data-testid=compare-tf32]'), true);
  assert.equal(await page.isDisabled('[data-testid=compare-fp16]'), false, 'a ticked box can still be unticked');
  await page.click('[data-testid=compare-fp16]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=compare-full]'));
  assert.equal(await page.isDisabled('[data-testid=compare-tf32]'), false);
  assertClean(problems);
  await context.close();
});

test('the Learn article: the note is introduced once, "seed" is never said, and the corrected figures show', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=learn');
  const body = await page.textContent('main');
  assert.match(body, /widely shared note on mixed-precision training, called “the note” below/);
  assert.doesNotMatch(body, /\bseed\b/i);
  assert.match(body, /eps rounded up to a power of ten/);
  assert.match(body, /one at or below 2\^-25, half the smallest subnormal, rounds to zero/);
  assert.match(body, /19\.5 and about 67 TFLOPS/);
  assert.match(body, /13\.04 GiB/);
  // The ledger: each 4-byte line is 4N; 12N is their sum.
  const terms = await page.$$eval('[data-testid=model-states] tbody tr td:last-child', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(terms, ['2N', '2N', '4N', '4N', '4N']);
  // The note's examples appear once (the inline calculator does not repeat them as cards).
  assert.equal(await page.locator('[data-testid=seed-check]').count(), 0);
  assert.equal(await page.locator('[data-testid=memory-examples]').count(), 1);
  // Sources is a section heading like the others.
  assert.equal(await page.locator('h2#sources > a.anchor').count(), 1);
  assertClean(problems);
  await context.close();
});

test('the Learn article reads at 1280 px and on a phone: whole rows of bits, stacked verdicts', async () => {
  const wide = await openApp(browser, site, '?view=learn', { viewport: { width: 1280, height: 900 } });
  const rows = await wide.page.$$eval('[data-testid=inline-editor-fp32] [data-testid=bit-cells] > *',
    (cells) => new Set(cells.map((c) => Math.round(c.getBoundingClientRect().top))).size);
  assert.equal(rows, 1, 'the 32 bits of fp32 sit on one row');
  await wide.context.close();
  const phone = await openApp(browser, site, '?view=learn', { viewport: { width: 375, height: 740 } });
  const cell = phone.page.locator('[data-testid=memory-examples] tbody tr').first().locator('td').last();
  assert.equal(await cell.evaluate((td) => getComputedStyle(td).display), 'block', 'each verdict is a card row');
  const width = await cell.evaluate((td) => td.getBoundingClientRect().width);
  assert.ok(width > 250, `the verdict has room: ${width}px`);
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await phone.page.locator('[data-testid=memory-examples]').scrollIntoViewIfNeeded();
  await screenshot(phone.page, 'learn-phone-examples');
  await phone.context.close();
});

test('Memory: a preset brings inputs that fit it, and the reader\'s own value comes back', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=memory&context=4096');
  await page.selectOption('[data-testid=mem-input-model]', 'gpt2');
  await page.waitForSelector('[data-testid=mem-note-context]');
  assert.match(await text(page, 'mem-note-context'), /reads at most 1,024 tokens.*your 4,096 is kept/);
  assert.equal(await page.locator('[data-testid=mem-error]').count(), 0, 'no error');
  assert.equal(await page.locator('[data-testid=mem-error-context]').count(), 0);
  assert.match(await text(page, 'mem-summary'), /GPT-2/);
  await page.selectOption('[data-testid=mem-input-model]', 'qwen2-72b');
  await page.waitForFunction(() => !document.querySelector('[data-testid=mem-note-context]'));
  assert.equal(await page.inputValue('[data-testid=mem-input-context]'), '4096', 'the reader\'s 4096 is back');
  // Training: the sequence length.
  await page.goto(site.url('?view=memory&mode=training&seq=2048&model=gpt2'));
  await page.waitForSelector('[data-testid=mem-note-seq]');
  assert.equal(await page.locator('[data-testid=mem-error]').count(), 0);
  assertClean(problems);
  await context.close();
});

test('Memory: when no budget can be computed, nothing of another model stays on screen', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=memory&model=qwen2-72b&gpus=2');
  await page.fill('[data-testid=mem-input-gpus]', '5');
  await page.press('[data-testid=mem-input-gpus]', 'Tab');
  await page.waitForSelector('[data-testid=mem-error]');
  // Same model: its last budget may stay, marked as the last one.
  assert.match(await text(page, 'mem-error'), /last budget that could be computed/);
  await page.selectOption('[data-testid=mem-input-model]', 'gpt2');
  await page.waitForFunction(() => !/Qwen2/.test(document.querySelector('[data-testid=mem-report]')?.textContent ?? ''));
  assert.equal(await page.locator('[data-testid=mem-report]').count(), 0, 'Qwen2-72B\'s figures are gone');
  assertClean(problems);
  await context.close();
});

test('Memory: text fields apply as you type, like the Formats value box', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=memory&model=qwen2-72b');
  assert.equal(await page.getAttribute('[data-testid=mem-fit]', 'data-fits'), 'false');
  await page.click('[data-testid=mem-input-gpus]');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  // No Enter, no Tab: the budget follows after a short pause.
  await page.waitForFunction(() => document.querySelector('[data-testid=mem-fit]')?.dataset.fits === 'true', null, { timeout: 5000 });
  assert.equal(new URL(page.url()).searchParams.get('gpus'), '2');
  // Text that cannot be read gets its message while typing, and the budget stays.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('two');
  await page.locator('[data-testid=mem-error-gpus]').waitFor();
  assert.equal(await page.inputValue('[data-testid=mem-input-gpus]'), 'two', 'the typed text stays');
  assert.equal(new URL(page.url()).searchParams.get('gpus'), '2');
  assertClean(problems);
  await context.close();
});

test('Memory: the first screen says how many GPUs the example needs, and one click uses them', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=memory');
  const suggest = page.locator('[data-testid=mem-suggest]');
  assert.match(await suggest.textContent(), /Qwen2-72B fits on 2 × NVIDIA H100/);
  await page.click('[data-testid=mem-use-gpus]');
  await page.waitForFunction(() => document.querySelector('[data-testid=mem-fit]')?.dataset.fits === 'true');
  assert.equal(await suggest.count(), 0);
  assertClean(problems);
  await context.close();
});

test('Memory: the chart reads at 1280 px and 375 px (text of 11 px or more, few grid lines)', async () => {
  for (const width of [1280, 375]) {
    const { page, context } = await openApp(browser, site, '?view=memory&mode=training&model=mistral-7b&gpus=4&zero=3', { viewport: { width, height: 900 } });
    const smallest = await page.$eval('[data-testid=mem-chart] svg', (svg) => {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      const base = Number(svg.getAttribute('font-size'));
      return Math.min(...[...svg.querySelectorAll('text')].filter((t) => t.textContent.trim())
        .map((t) => Number(t.getAttribute('font-size') ?? base) * scale));
    });
    assert.ok(smallest >= 10.5, `${width} px: smallest chart text ${smallest.toFixed(1)} px`);
    await page.locator('[data-testid=mem-chart]').scrollIntoViewIfNeeded();
    await screenshot(page, `memory-chart-${width}`);
    await context.close();
  }
});

test('the Trainer stops at its step count, and the reader can change it', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=train&backend=cpu');
  assert.equal(await page.inputValue('[data-testid=input-steps]'), '2000', 'a horizon by default');
  await page.fill('[data-testid=input-steps]', '300');
  await page.press('[data-testid=input-steps]', 'Tab');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('steps') === '300');
  await page.click('[data-testid=train-play]');
  await page.waitForFunction(() => /step 300 of 300 · finished/.test(document.querySelector('[data-testid=train-step]')?.textContent), null, { timeout: 60_000 });
  await page.waitForTimeout(300);
  assert.equal(await page.getAttribute('[data-testid=train-step]', 'data-value'), '300', 'and stays there');
  assert.equal(await page.isDisabled('[data-testid=train-play]'), true);
  // The loss is a smoothed line over the faint raw loss.
  assert.equal(await page.locator('[data-testid=plot-loss] polyline[data-series=loss-raw]').count(), 4);
  assert.equal(await page.locator('[data-testid=plot-loss] polyline[data-series=loss]').count(), 4);
  assertClean(problems);
  await context.close();
});

test('a recipe has one colour under every preset, in its card and its line; a format keeps its colour', async () => {
  const colours = {};
  for (const policies of ['fp32,fp16-pure,fp16-amp,bf16-mixed', 'fp32,fp16-amp,bf16-mixed,fp8']) {
    const { page, context } = await openApp(browser, site, `?view=train&backend=cpu&policies=${policies}`);
    await page.click('[data-testid=train-step-once]');
    await page.waitForSelector('[data-testid=plot-loss] polyline[data-series=loss]', { state: 'attached' });
    const index = policies.split(',').indexOf('fp16-amp');
    const card = page.locator(`[data-testid=train-run-${index}]`);
    assert.equal(await card.getAttribute('data-policy'), 'fp16-amp');
    const cardColour = await card.evaluate((el) => getComputedStyle(el).borderTopColor);
    const lineColour = await page.$$eval('[data-testid=plot-loss] g[data-run]', (groups, i) => {
      const line = groups[i].querySelector('polyline[data-series=loss]');
      const probe = document.createElement('span');
      probe.style.color = line.getAttribute('stroke');
      document.body.append(probe);
      const rgb = getComputedStyle(probe).color;
      probe.remove();
      return rgb;
    }, index);
    assert.equal(cardColour, lineColour, 'the card wears its line\'s colour');
    colours[policies] = cardColour;
    await context.close();
  }
  assert.equal(new Set(Object.values(colours)).size, 1, 'fp16 AMP keeps its colour whatever else runs');
  // fp32 in the precision plot keeps its colour when the editor's format changes.
  const { page, context, problems } = await openApp(browser, site, '?view=plots&format=fp32&compare=fp32,fp16,bf16');
  const stroke = () => page.getAttribute('[data-testid=plot-precision] g[data-format=fp32] polyline', 'stroke');
  const before = await stroke();
  await page.selectOption('[data-testid=format-select]', 'e4m3fn');
  await page.waitForSelector('[data-testid=plot-precision] g[data-format=e4m3fn] polyline', { state: 'attached' });
  assert.equal(await stroke(), before);
  assertClean(problems);
  await context.close();
});

test('the Trainer\'s run cards draw their small plots with readable text', async () => {
  const { page, context } = await openApp(browser, site, '?view=train&backend=cpu', { viewport: { width: 1280, height: 900 } });
  const smallest = await page.$$eval('.train-mini svg', (svgs) => Math.min(...svgs.map((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const base = Number(svg.getAttribute('font-size'));
    return Math.min(...[...svg.querySelectorAll('text')].filter((t) => t.textContent.trim())
      .map((t) => Number(t.getAttribute('font-size') ?? base) * scale));
  })));
  assert.ok(smallest >= 9.5, `smallest text in a run card's plots: ${smallest.toFixed(1)} px`);
  await context.close();
});
