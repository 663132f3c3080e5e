// Whole-page tests of the models users bring to the Memory view (issue 17): mixture-of-experts and
// latent-attention presets, a config.json pasted, chosen as a file or fetched from a mocked Hugging
// Face Hub, and hostile text that leaves the last good model in place. Expected figures are worked
// by hand in tests/it/memory_models.rs and tests/it/memory_config.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, screenshot, assertClean, openApp } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const CONFIGS = join(import.meta.dirname, '..', 'it', 'configs');
const config = (name) => readFileSync(join(CONFIGS, `${name}.json`), 'utf8');

async function open(search) {
  const opened = await openApp(browser, site, search);
  await opened.page.waitForSelector('[data-testid=mem-total]');
  return opened;
}

const bytesOf = (page, testid) => page.getAttribute(`[data-testid=${testid}]`, 'data-bytes');
const params = (page) => page.inputValue('[data-testid=mem-input-params]');

async function openImport(page) {
  const summary = page.locator('[data-testid=mem-import] > summary');
  if ((await page.getAttribute('[data-testid=mem-import]', 'open')) === null) await summary.click();
}

/// Requests to the (mocked) Hub are the point of the fetch tests; everything else must stay clean.
function withoutHub(problems) {
  const hub = (s) => s.includes('huggingface.co');
  return {
    // The browser logs each failed load itself: the 401 and the simulated lost connection.
    consoleErrors: problems.consoleErrors.filter((s) => !hub(s) && !/status of 401|ERR_INTERNET_DISCONNECTED/.test(s)),
    pageErrors: problems.pageErrors,
    foreignRequests: problems.foreignRequests.filter((s) => !hub(s)),
    failedRequests: problems.failedRequests.filter((s) => !hub(s)),
  };
}

test('Mixtral shows its active parameters apart from the total', async () => {
  const { page, context, problems } = await open('?view=memory&model=mixtral-8x7b&mode=inference');
  const active = page.locator('[data-testid=mem-params-active]');
  assert.equal(await active.getAttribute('data-value'), '12879925248');
  assert.match(await active.textContent(), /12,879,925,248 of the 46,702,792,704 parameters \(2 of 8 experts/);
  // Every expert is in memory: 2 bytes x 46,702,792,704.
  assert.equal(await bytesOf(page, 'mem-row-weights'), String(46_702_792_704n * 2n));
  // A dense model has no active line.
  await page.selectOption('[data-testid=mem-input-model]', 'llama-3-8b');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('model') === 'llama-3-8b');
  assert.equal(await page.locator('[data-testid=mem-params-active]').count(), 0);
  assertClean(problems);
  await context.close();
});

test('DeepSeek-V3 caches the latent: 576 values per token and layer', async () => {
  const { page, context, problems } = await open('?view=memory&model=deepseek-v3&mode=inference&context=4096&batch=1&kv=bf16');
  // 61 layers x (512 + 64) x 4096 tokens x 2 bytes.
  assert.equal(await bytesOf(page, 'mem-row-kv-cache'), String(61n * 576n * 4096n * 2n));
  assert.match(await page.textContent('[data-testid=mem-formula-kv-cache]'), /\(512 latent \+ 64 rope key\) x 61 layers x 4,096 tokens/);
  assertClean(problems);
  await context.close();
});

test('a pasted config.json becomes the model, and the URL keeps it without the JSON', async () => {
  const { page, context, problems } = await open('?view=memory&mode=inference&context=4096&batch=1&kv=bf16');
  await openImport(page);
  await page.fill('[data-testid=mem-config]', config('DeepSeek-V3'));
  const status = page.locator('[data-testid=mem-config-status]');
  await status.waitFor();
  assert.match(await status.textContent(), /Read as deepseek_v3: 61 layers.*671,026,419,200 parameters/);
  assert.match(await status.textContent(), /Left alone \(they do not change memory\): .*rope_scaling/);
  assert.match(await status.textContent(), /multi-token-prediction module/);
  await page.waitForFunction(() => new URL(location.href).searchParams.get('kv_rank') === '512');
  assert.equal(await params(page), '671,026,419,200');
  assert.equal(await page.getAttribute('[data-testid=mem-params-active]', 'data-value'), '37552297472');
  assert.equal(await bytesOf(page, 'mem-row-kv-cache'), String(61n * 576n * 4096n * 2n));
  await screenshot(page, 'memory-imported-config');
  // The shared link alone rebuilds the model.
  const shared = new URL(page.url());
  assert.equal(shared.searchParams.get('model'), 'custom');
  assert.equal(shared.searchParams.get('experts'), '256');
  const second = await open(shared.search);
  assert.equal(await params(second.page), '671,026,419,200');
  assert.equal(await bytesOf(second.page, 'mem-row-kv-cache'), String(61n * 576n * 4096n * 2n));
  assertClean(second.problems);
  await second.context.close();
  assertClean(problems);
  await context.close();
});

test('a config chosen as a file is read the same way', async () => {
  const { page, context, problems } = await open('?view=memory&mode=inference');
  await openImport(page);
  await page.setInputFiles('[data-testid=mem-config-file]', {
    name: 'config.json',
    mimeType: 'application/json',
    buffer: Buffer.from(config('gemma-2-9b-it')),
  });
  await page.locator('[data-testid=mem-config-status]').waitFor();
  assert.equal(await params(page), '9,241,705,984');
  assert.equal(new URL(page.url()).searchParams.get('window'), '4096');
  assertClean(problems);
  await context.close();
});

test('hostile config text gets a message and the last good model stays', async () => {
  const { page, context, problems } = await open('?view=memory&model=mixtral-8x7b&mode=inference');
  const before = page.url();
  await openImport(page);
  const error = page.locator('[data-testid=mem-config-error]');
  const llama = config('Llama-3.2-1B');
  const cases = [
    ['{ "model_type": "llama", ', /not valid JSON/],
    ['<img src=x onerror=alert(1)>', /not valid JSON/],
    ['['.repeat(5000) + ']'.repeat(5000), /not valid JSON/],
    [llama.replace('"hidden_size": 2048', '"hidden_size": "2048"'), /hidden_size must be a whole number/],
    [llama.replace('"hidden_size": 2048', '"hidden_size": -2048'), /hidden_size is -2048; a size cannot be negative/],
    [llama.replace('"model_type": "llama"', '"model_type": "<b>bold</b>"'), /model_type "<b>bold<\/b>" is not a family/],
    ['{"a": "' + 'x'.repeat(1_100_000) + '"}', /a config.json is a few thousand/],
  ];
  for (const [text, message] of cases) {
    await page.fill('[data-testid=mem-config]', text);
    await page.waitForFunction((m) => {
      const e = document.querySelector('[data-testid=mem-config-error]');
      return e && new RegExp(m).test(e.textContent);
    }, message.source).catch(async (e) => {
      throw new Error(`${message}: ${await error.textContent().catch(() => 'no error shown')}`);
    });
    assert.equal(await params(page), '46,702,792,704');
    assert.equal(page.url(), before);
  }
  // Text shows as text: no element was made from it.
  assert.equal(await page.locator('[data-testid=mem-config-error] b, [data-testid=mem-import] img').count(), 0);
  assert.match(await error.textContent(), /few thousand/);
  // A 10 MB file is refused before it is read.
  await page.setInputFiles('[data-testid=mem-config-file]', {
    name: 'model.safetensors',
    mimeType: 'application/octet-stream',
    buffer: Buffer.alloc(10_000_000, 0x7b),
  });
  await page.waitForFunction(() => /This file is 10,000,000 bytes/.test(document.querySelector('[data-testid=mem-config-error]')?.textContent ?? ''));
  assert.equal(await params(page), '46,702,792,704');
  assertClean(problems);
  await context.close();
});

test('fetching from the Hub: the file, a gated model, no network, and an id that is not one', async () => {
  const { page, context, problems } = await open('?view=memory&mode=inference');
  const asked = [];
  await page.route('https://huggingface.co/**', (route) => {
    const url = route.request().url();
    asked.push(url);
    const cors = { 'access-control-allow-origin': '*' };
    if (url.includes('mistralai/Mixtral-8x7B-v0.1/')) {
      return route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: config('Mixtral-8x7B-v0.1') });
    }
    if (url.includes('meta-llama/')) return route.fulfill({ status: 401, headers: cors, body: 'Access to model is restricted.' });
    return route.abort('internetdisconnected');
  });
  await openImport(page);
  const fetchId = async (id) => {
    await page.fill('[data-testid=mem-hub-id]', id);
    await page.click('[data-testid=mem-hub-fetch]');
  };
  await fetchId('mistralai/Mixtral-8x7B-v0.1');
  await page.locator('[data-testid=mem-config-status]').waitFor();
  assert.equal(await params(page), '46,702,792,704');
  assert.deepEqual(asked, ['https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/resolve/main/config.json']);
  const error = page.locator('[data-testid=mem-config-error]');
  await fetchId('meta-llama/Llama-3.1-405B');
  await error.waitFor();
  assert.match(await error.textContent(), /gated or private/);
  await fetchId('someone/offline-model');
  await page.waitForFunction(() => /Could not reach huggingface\.co/.test(document.querySelector('[data-testid=mem-config-error]')?.textContent ?? ''));
  const count = asked.length;
  await fetchId('../../evil.example/x');
  await page.waitForFunction(() => /is not a model id/.test(document.querySelector('[data-testid=mem-config-error]')?.textContent ?? ''));
  assert.equal(asked.length, count, 'an id that is not one is never requested');
  // The model from the first fetch is still the one budgeted.
  assert.equal(await params(page), '46,702,792,704');
  assertClean(withoutHub(problems));
  await context.close();
});

test('pipeline stages and ZeRO-Offload: the fullest stage per GPU, host memory apart', async () => {
  const { page, context, problems } = await open(
    '?view=memory&model=llama-3-8b&mode=training&gpus=8&pp=4&zero=2&offload=optimizer',
  );
  assert.match(await page.textContent('[data-testid=mem-summary]'), /1 tensor-parallel x 4 pipeline stages x 2 data-parallel/);
  // Stage 1: the embedding and 8 of 32 layers, in bf16: 2 x (525,336,576 + 8 x 218,112,000).
  assert.equal(await bytesOf(page, 'mem-row-weights'), String(2n * (525_336_576n + 8n * 218_112_000n)));
  // Offloaded states are not on the GPU but in the host line.
  assert.equal(await page.locator('[data-testid=mem-row-optimizer-m]').count(), 0);
  const host = page.locator('[data-testid=mem-host]');
  assert.match(await host.textContent(), /In CPU memory: .* for each GPU's process/);
  const perProcess = BigInt(await host.getAttribute('data-bytes'));
  const rows = await page.locator('[data-testid^=mem-host-row-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-bytes')));
  assert.equal(rows.reduce((a, b) => a + BigInt(b), 0n), perProcess);
  // ZeRO-3 is needed to offload the weights: the message sits next to the input.
  await page.selectOption('[data-testid=mem-input-offload]', 'all');
  await page.locator('[data-testid=mem-error-offload]').waitFor();
  assert.match(await page.textContent('[data-testid=mem-error-offload]'), /needs ZeRO stage 3/);
  assertClean(problems);
  await context.close();
});

test('the site allows requests to the Hub and nowhere else', async () => {
  const headers = readFileSync(join(import.meta.dirname, '..', '..', 'dist', '_headers'), 'utf8');
  const policy = headers.match(/Content-Security-Policy: (.*)/)[1];
  const connect = policy.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'));
  assert.equal(connect, "connect-src 'self' https://huggingface.co");
});
