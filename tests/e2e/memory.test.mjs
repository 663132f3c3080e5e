// Whole-page tests of the Memory view on the release build: exact byte counts from URL states,
// inline errors that keep the last budget, edits written to the URL, the seed check, the chart's
// theme, phone width, and no console errors or foreign requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, openPage, appReady, screenshot, SCREENSHOTS, assertClean, openApp } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });


async function open(search, options = {}) {
  const opened = await openApp(browser, site, search, options);
  await opened.page.waitForSelector('[data-testid=mem-total]');
  return opened;
}

const bytesOf = (page, testid) => page.getAttribute(`[data-testid=${testid}]`, 'data-bytes');

// Worked by hand from Qwen2-72B's config.json, not by the page's code:
// weights 2 B x 72,706,203,648; KV cache 2 x 80 layers x 8 kv heads x 128 x 4096 tokens x 2 B;
// prefill activations 2 B x 4096 x (2 x 8192 + 2 x 29568); logits 4 B x 152,064.
const QWEN = {
  weights: 72_706_203_648n * 2n,
  kv: 2n * 80n * 8n * 128n * 4096n * 2n,
  activations: 2n * 4096n * (2n * 8192n + 2n * 29568n),
  logits: 4n * 152_064n,
};

test('Qwen2-72B bf16 inference: every row and the total carry exact bytes', async () => {
  const { page, context, problems } = await open('?view=memory&model=qwen2-72b&mode=inference&weights=bf16');
  assert.equal(await bytesOf(page, 'mem-row-weights'), '145412407296');
  assert.equal(await bytesOf(page, 'mem-row-kv-cache'), String(QWEN.kv));
  assert.equal(await bytesOf(page, 'mem-row-activations'), String(QWEN.activations));
  assert.equal(await bytesOf(page, 'mem-row-logits'), String(QWEN.logits));
  const total = QWEN.weights + QWEN.kv + QWEN.activations + QWEN.logits;
  assert.equal(await bytesOf(page, 'mem-total'), String(total));
  assert.equal(total, 147_373_852_672n);
  const formula = await page.textContent('[data-testid=mem-formula-weights]');
  assert.match(formula, /2 bytes x 72,706,203,648 params = 145\.41 GB = 135\.43 GiB/);
  assert.equal(await page.getAttribute('[data-testid=mem-fit]', 'data-fits'), 'false');
  assert.match(await page.textContent('[data-testid=mem-fit]'), /Does not fit: 147\.37 GB = 137\.25 GiB per GPU/);
  assert.match(await page.textContent('[data-testid=mem-largest]'), /Not even a context of 1 token fits/);
  assert.equal(await page.locator('[data-testid=mem-chart] svg').count(), 1);
  assert.equal(await page.locator('[data-testid=url-notice]').count(), 0);
  await screenshot(page, 'memory-desktop-light');
  assertClean(problems);
  await context.close();
});

test('a bare 7e9 count trained with mixed-precision Adam is 112e9 bytes', async () => {
  const { page, context, problems } = await open('?view=memory&params=7e9&mode=training');
  assert.equal(await bytesOf(page, 'mem-total'), '112000000000');
  assert.equal(await bytesOf(page, 'mem-row-weights'), '14000000000');
  assert.equal(await bytesOf(page, 'mem-row-gradients'), '14000000000');
  assert.equal(await bytesOf(page, 'mem-row-master-weights'), '28000000000');
  assert.equal(await bytesOf(page, 'mem-row-optimizer-m'), '28000000000');
  assert.equal(await bytesOf(page, 'mem-row-optimizer-v'), '28000000000');
  assert.match(await page.textContent('[data-testid=mem-total]'), /112\.00 GB = 104\.31 GiB/);
  assert.equal(await page.inputValue('[data-testid=mem-input-params]'), '7,000,000,000');
  // The fp32 gradient copy is the 18 bytes/param convention.
  await page.selectOption('[data-testid=mem-input-grads]', 'fp32');
  await page.waitForFunction(() => document.querySelector('[data-testid=mem-total]')?.dataset.bytes === '126000000000');
  assert.equal(new URL(page.url()).searchParams.get('grads'), 'fp32');
  assertClean(problems);
  await context.close();
});

test('a bad parameter count shows an inline error and keeps the last budget', async () => {
  const { page, context, problems } = await open('?view=memory&params=7e9&mode=training');
  const before = page.url();
  for (const bad of ['seven', '-7B', '1e30']) {
    await page.fill('[data-testid=mem-input-params]', bad);
    await page.press('[data-testid=mem-input-params]', 'Tab');
    const error = page.locator('[data-testid=mem-error-params]');
    await error.waitFor();
    assert.ok((await error.textContent()).length > 10, `message for ${bad}`);
    assert.equal(await page.getAttribute('[data-testid=mem-input-params]', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('[data-testid=mem-input-params]'), bad, 'the typed text stays');
    assert.equal(await bytesOf(page, 'mem-total'), '112000000000', 'the last budget stays');
    assert.equal(page.url(), before, 'a bad value never reaches the URL');
  }
  assert.match(await page.textContent('[data-testid=mem-error-params]'), /10\^15/);
  // A good value clears the message and updates the budget and the URL.
  await page.fill('[data-testid=mem-input-params]', '7B');
  await page.press('[data-testid=mem-input-params]', 'Tab');
  await page.waitForSelector('[data-testid=mem-error-params]', { state: 'detached' });
  assert.equal(new URL(page.url()).searchParams.get('params'), '7e9');
  assertClean(problems);
  await context.close();
});

test('zero GPUs and letters in a number field are refused next to the input', async () => {
  const { page, context, problems } = await open('?view=memory&model=mistral-7b&mode=inference&weights=bf16');
  const total = await bytesOf(page, 'mem-total');
  for (const bad of ['0', 'abc', '-2']) {
    await page.fill('[data-testid=mem-input-gpus]', bad);
    await page.press('[data-testid=mem-input-gpus]', 'Tab');
    await page.locator('[data-testid=mem-error-gpus]').waitFor();
    assert.equal(await bytesOf(page, 'mem-total'), total);
    assert.equal(new URL(page.url()).searchParams.get('gpus'), null);
  }
  // A count the model cannot be split over (32 heads over 3 GPUs) is a valid input with no
  // budget: the message names the reason and the last budget stays, dimmed.
  await page.fill('[data-testid=mem-input-gpus]', '3');
  await page.press('[data-testid=mem-input-gpus]', 'Tab');
  await page.locator('[data-testid=mem-error]').waitFor();
  assert.match(await page.textContent('[data-testid=mem-error-gpus]'), /multiple of 3/);
  assert.equal(await bytesOf(page, 'mem-total'), total);
  assert.equal(new URL(page.url()).searchParams.get('gpus'), '3');
  // Two GPUs work: split matrices halve, and the 266,240 norm weights (2 x 4096 per layer x 32
  // layers + the final 4096) are replicated on both, as Megatron does.
  await page.fill('[data-testid=mem-input-gpus]', '2');
  await page.press('[data-testid=mem-input-gpus]', 'Tab');
  await page.waitForSelector('[data-testid=mem-error]', { state: 'detached' });
  assert.equal(await bytesOf(page, 'mem-row-weights'), String(((7_241_732_096n - 266_240n) / 2n + 266_240n) * 2n));
  assertClean(problems);
  await context.close();
});

test('changing inputs updates the URL, and the URL restores them', async () => {
  const { page, context, problems } = await open('?view=memory');
  await page.selectOption('[data-testid=mem-input-model]', 'llama-3-8b');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('model') === 'llama-3-8b');
  await page.selectOption('[data-testid=mem-input-weights]', 'int4');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('weights') === 'int4');
  await page.selectOption('[data-testid=mem-input-gpu]', 'rtx-4090');
  await page.click('[data-testid=mem-unit-gib]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('unit') === 'gib');
  assert.match(await page.textContent('[data-testid=mem-total]'), /GiB = [\d.,]+ GB/);
  assert.equal(await page.getAttribute('[data-testid=mem-fit]', 'data-fits'), 'true');
  await page.selectOption('[data-testid=mem-input-mode]', 'training');
  await page.waitForSelector('[data-testid=mem-input-recipe]');
  await page.fill('[data-testid=mem-input-micro_batch]', '4');
  await page.press('[data-testid=mem-input-micro_batch]', 'Tab');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('micro_batch') === '4');
  const url = page.url();
  const total = await bytesOf(page, 'mem-total');
  // The same link in a fresh page gives the same budget.
  const again = await openPage(browser, site.origin);
  await again.page.goto(url);
  await appReady(again.page);
  await again.page.waitForSelector('[data-testid=mem-total]');
  assert.equal(await bytesOf(again.page, 'mem-total'), total);
  assert.equal(await again.page.inputValue('[data-testid=mem-input-micro_batch]'), '4');
  assertClean(again.problems);
  await again.context.close();
  assertClean(problems);
  await context.close();
});

test('the seed check reproduces the worked examples and opens them', async () => {
  const { page, context, problems } = await open('?view=memory');
  assert.equal(await bytesOf(page, 'seed-qwen2-72b-bf16-weights'), '145412407296');
  assert.equal(await bytesOf(page, 'seed-mistral-7b-adam-training'), '112000000000');
  assert.equal(await bytesOf(page, 'seed-mistral-7b-inference-weights'), '14000000000');
  const text = await page.textContent('[data-testid=seed-check]');
  assert.match(text, /135\.43 GiB/);
  assert.match(text, /104\.31 GiB/);
  assert.match(text, /14\.00 GB/);
  await page.click('[data-testid=seed-open-mistral-7b-adam-training]');
  await page.waitForFunction(() => document.querySelector('[data-testid=mem-total]')?.dataset.bytes === '112000000000');
  assert.equal(new URL(page.url()).searchParams.get('params'), '7e9');
  assert.equal(new URL(page.url()).searchParams.get('recipe'), 'mixed-fp16');
  assertClean(problems);
  await context.close();
});

test('hostile URL values become notices, never markup', async () => {
  let dialogs = 0;
  const { page, context, problems } = await open(
    `?view=memory&model=${encodeURIComponent('<img src=x onerror=alert(1)>')}&gpus=0&params=1e30`,
  );
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  const notices = await page.locator('[data-testid=url-notice]').allTextContents();
  assert.ok(notices.some((n) => n.includes('<img src=x')), 'shown as text');
  assert.ok(notices.some((n) => n.startsWith('gpus:')));
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await bytesOf(page, 'mem-row-weights'), '145412407296', 'falls back to Qwen2-72B');
  assert.equal(dialogs, 0);
  assertClean(problems);
  await context.close();
});

test('dark theme shows the dark chart', async () => {
  const { page, context, problems } = await open(
    '?view=memory&model=llama-3-8b&mode=training&recompute=selective&gpus=8&zero=3&gpu=a100-80gb',
    { colorScheme: 'dark' },
  );
  assert.equal(await page.isVisible('.mem-chart-dark svg'), true);
  assert.equal(await page.isVisible('.mem-chart-light svg'), false);
  assert.equal(await page.getAttribute('[data-testid=mem-fit]', 'data-fits'), 'true');
  await screenshot(page, 'memory-desktop-dark');
  assertClean(problems);
  await context.close();
});

test('a 375 px phone reads the view without sideways scrolling', async () => {
  const { page, context, problems } = await open('?view=memory&model=qwen2-72b&mode=training&gpus=8&tp=8&zero=1', {
    viewport: { width: 375, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  const chart = await page.locator('[data-testid=mem-chart] svg').boundingBox();
  assert.ok(chart && chart.width <= 375, 'the chart fits');
  await screenshot(page, 'memory-phone');
  // Two screen-sized views as a person sees them: the top, and the ledger.
  await page.screenshot({ path: join(SCREENSHOTS, 'memory-phone-top.png') });
  await page.locator('[data-testid=mem-fit]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'memory-phone-results.png') });
  await page.locator('[data-testid=mem-ledger]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'memory-phone-ledger.png') });
  assertClean(problems);
  await context.close();
});

test('a custom architecture computes and shows its parameter count', async () => {
  const { page, context, problems } = await open(
    '?view=memory&model=custom&layers=32&hidden=4096&heads=32&kv_heads=8&head_dim=128&ffn=14336&vocab=128256',
  );
  // Llama-3-8B's shape: its published count.
  assert.equal(await page.inputValue('[data-testid=mem-input-params]'), '8,030,261,248');
  // Half the layers: 16 x 218,112,000 per layer + 2 x 128,256 x 4096 embeddings + 4096 norm.
  await page.fill('[data-testid=mem-input-layers]', '16');
  await page.press('[data-testid=mem-input-layers]', 'Tab');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('layers') === '16');
  assert.equal(await page.inputValue('[data-testid=mem-input-params]'), '4,540,469,248');
  assert.equal(await bytesOf(page, 'mem-row-weights'), String(4_540_469_248n * 2n));
  // Tied embeddings drop the output head: 128,256 x 4096 fewer.
  await page.check('[data-testid=mem-input-tied]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('tied') === 'on');
  assert.equal(await page.inputValue('[data-testid=mem-input-params]'), '4,015,132,672');
  await page.fill('[data-testid=mem-input-layers]', 'many');
  await page.press('[data-testid=mem-input-layers]', 'Tab');
  await page.locator('[data-testid=mem-error-layers]').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('layers'), '16');
  assertClean(problems);
  await context.close();
});
