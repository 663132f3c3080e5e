// Whole-page tests of the trainer's WebGPU backend on the release build. Chromium with
// --enable-unsafe-webgpu exposes SwiftShader (a software adapter, no shader-f16) on 127.0.0.1. By
// default the trainer keeps to the CPU on a software adapter and says why; with backend=webgpu it
// reports webgpu, names the adapter, and its losses after N steps match the CPU backend's; the
// backend menu switches without restarting the runs; a lost device mid-run falls back to the CPU
// with a notice and training goes on. Without the flag the trainer reports cpu and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, screenshot, assertClean, openApp } from './harness.mjs';

let site, gpuBrowser, plainBrowser;
before(async () => {
  site = await serve();
  gpuBrowser = await launch({ extraArgs: ['--enable-unsafe-webgpu'] });
  plainBrowser = await launch();
});
after(async () => {
  await gpuBrowser?.close();
  await plainBrowser?.close();
  await site?.close();
});


const POLICIES = 'fp32,fp16-amp,bf16-mixed,fp8';
const step = async (page) => Number(await page.getAttribute('[data-testid=train-step]', 'data-value'));
const losses = (page) => page.$$eval('[data-testid^=train-loss-]', (els) => els.map((e) => parseFloat(e.dataset.value)));
const backend = async (page) => (await page.textContent('[data-testid=backend]')).trim();

async function open(browser, search) {
  const opened = await openApp(browser, site, search);
  await opened.page.waitForSelector('[data-testid=train-run-0]');
  return opened;
}

async function waitForBackend(page, name) {
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=backend]')?.textContent.trim() === n,
    name, { timeout: 30_000 },
  );
}

/// Clicks Step `n` times, each after the previous step has landed.
async function stepTimes(page, n) {
  for (let i = 1; i <= n; i++) {
    const before = await step(page);
    await page.click('[data-testid=train-step-once]');
    await page.waitForFunction(
      (b) => Number(document.querySelector('[data-testid=train-step]').dataset.value) > b,
      before, { timeout: 30_000 },
    );
  }
}

test('with WebGPU the trainer runs on the GPU, names the adapter and matches the CPU after 25 steps', async () => {
  const gpu = await open(gpuBrowser, `?view=train&policies=${POLICIES}&backend=webgpu`);
  await waitForBackend(gpu.page, 'webgpu');
  const detail = await gpu.page.textContent('[data-testid=backend-detail]');
  assert.match(detail, /^WebGPU on /);
  assert.match(detail, /software adapter/, 'SwiftShader is a fallback adapter');
  assert.match(detail, /shader-f16: no/);
  assert.match(detail, /not GPU timings/);
  await stepTimes(gpu.page, 25);
  assert.equal(await step(gpu.page), 25);
  const onGpu = await losses(gpu.page);
  await screenshot(gpu.page, 'train-webgpu');
  assertClean(gpu.problems);
  await gpu.context.close();

  const cpu = await open(gpuBrowser, `?view=train&policies=${POLICIES}&backend=cpu`);
  assert.equal(await backend(cpu.page), 'cpu');
  assert.match(await cpu.page.textContent('[data-testid=backend-detail]'), /as asked/);
  await stepTimes(cpu.page, 25);
  const onCpu = await losses(cpu.page);
  await cpu.context.close();

  assert.equal(onGpu.length, 4);
  // The tolerance of the native tests (tests/it/gpu.rs): the same decisions, losses within 1e-4
  // relative; only reductions and transcendentals differ in the last bits.
  for (let i = 0; i < 4; i++) {
    assert.ok(Number.isFinite(onGpu[i]) && onGpu[i] > 0, `run ${i}: ${onGpu[i]}`);
    const rel = Math.abs(onGpu[i] - onCpu[i]) / Math.abs(onCpu[i]);
    assert.ok(rel <= 1e-4, `run ${i}: gpu ${onGpu[i]} vs cpu ${onCpu[i]} (relative ${rel})`);
  }
});

test('on a software adapter the default keeps to the CPU and says why', async () => {
  const { page, context, problems } = await open(gpuBrowser, '?view=train&policies=fp32');
  await page.waitForFunction(() => /software one/.test(document.querySelector('[data-testid=backend-detail]')?.textContent ?? ''));
  assert.equal(await backend(page), 'cpu');
  assert.match(await page.textContent('[data-testid=backend-detail]'), /slower than the CPU backend/);
  assertClean(problems);
  await context.close();
});

test('the block-scaled recipes and fp8 current scaling train on the GPU with their readouts, as on the CPU', async () => {
  const BLOCKS = 'fp8-current,mxfp8,nvfp4,nvfp4-no-sr';
  const { page, context, problems } = await open(gpuBrowser, `?view=train&policies=${BLOCKS}&backend=webgpu`);
  await waitForBackend(page, 'webgpu');
  await stepTimes(page, 10);
  const onGpu = await losses(page);
  for (const i of [1, 2, 3]) {
    assert.match(await page.textContent(`[data-testid=train-detail-${i}]`), /gradient blocks: \d+ of \d+ scales saturated/);
  }
  assertClean(problems);
  await context.close();

  const cpu = await open(gpuBrowser, `?view=train&policies=${BLOCKS}&backend=cpu`);
  await stepTimes(cpu.page, 10);
  const onCpu = await losses(cpu.page);
  await cpu.context.close();
  // The native tests' tolerance (the block kernels are bit-exact; only the GPU's exp and tanh may
  // differ in the last bits, which could move a value across a rounding boundary).
  for (let i = 0; i < 4; i++) {
    assert.ok(Number.isFinite(onGpu[i]) && onGpu[i] > 0, `run ${i}: ${onGpu[i]}`);
    const rel = Math.abs(onGpu[i] - onCpu[i]) / Math.abs(onCpu[i]);
    assert.ok(rel <= 1e-4, `run ${i}: gpu ${onGpu[i]} vs cpu ${onCpu[i]} (relative ${rel})`);
  }
});

test('the backend menu moves running runs to the CPU and back without restarting them', async () => {
  const { page, context, problems } = await open(gpuBrowser, '?view=train&policies=fp32,bf16-mixed&backend=webgpu');
  await waitForBackend(page, 'webgpu');
  await stepTimes(page, 5);
  await page.selectOption('[data-testid=input-backend]', 'cpu');
  await waitForBackend(page, 'cpu');
  assert.equal(new URL(page.url()).searchParams.get('backend'), 'cpu');
  assert.equal(await step(page), 5, 'the runs keep their steps');
  await stepTimes(page, 3);
  await page.selectOption('[data-testid=input-backend]', 'webgpu');
  await waitForBackend(page, 'webgpu');
  assert.equal(new URL(page.url()).searchParams.get('backend'), 'webgpu');
  await stepTimes(page, 2);
  assert.equal(await step(page), 10);
  assertClean(problems);
  await context.close();
});

test('changing a setting while training on the GPU restarts the runs and keeps playing', async () => {
  const { page, context, problems } = await open(gpuBrowser, '?view=train&policies=fp32&backend=webgpu');
  await waitForBackend(page, 'webgpu');
  await page.click('[data-testid=train-play]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-step]').dataset.value) >= 10);
  // Record the smallest step counter shown from now on: the restart must show up there.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid=train-step]');
    window.minStep = Infinity;
    new MutationObserver(() => { window.minStep = Math.min(window.minStep, Number(el.dataset.value)); })
      .observe(el, { attributes: true, attributeFilter: ['data-value'] });
  });
  await page.fill('[data-testid=input-batch]', '16');
  await page.dispatchEvent('[data-testid=input-batch]', 'change');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('batch') === '16');
  // The new runs start from 0 and keep going on the GPU without another click.
  await page.waitForFunction(() => window.minStep < 10);
  const restarted = await page.evaluate(() => window.minStep);
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=train-step]').dataset.value) >= s + 10, restarted);
  assert.equal(await backend(page), 'webgpu');
  await page.click('[data-testid=train-pause]');
  assertClean(problems);
  await context.close();
});

test('a GPU lost mid-run falls back to the CPU with a notice, and training goes on', async () => {
  const { page, context, problems } = await open(gpuBrowser, '?view=train&policies=fp32,fp16-amp&backend=webgpu');
  await waitForBackend(page, 'webgpu');
  await page.click('[data-testid=train-play]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-step]').dataset.value) >= 20);
  assert.equal(await page.evaluate(() => window.wasmBindings.loseGpuDevice()), true);
  await waitForBackend(page, 'cpu');
  const notice = await page.textContent('[data-testid=gpu-notice]');
  assert.match(notice, /The GPU failed .*goes on on the CPU from step \d+/);
  assert.match(await page.textContent('[data-testid=backend-detail]'), /CPU \(WebAssembly\): the GPU failed/);
  const at = await step(page);
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=train-step]').dataset.value) > s + 20, at);
  await page.click('[data-testid=train-pause]');
  const all = await losses(page);
  assert.ok(all.every(Number.isFinite), `losses ${all}`);
  assert.deepEqual(problems.pageErrors, [], 'uncaught page errors');
  await context.close();
});

test('without WebGPU the trainer runs on the CPU and says why', async () => {
  const { page, context, problems } = await open(plainBrowser, '?view=train&policies=fp32');
  await page.waitForFunction(() => /: /.test(document.querySelector('[data-testid=backend-detail]')?.textContent ?? ''));
  assert.equal(await backend(page), 'cpu');
  const detail = await page.textContent('[data-testid=backend-detail]');
  assert.match(detail, /^CPU \(WebAssembly\): (this browser has no WebGPU|WebGPU found no adapter)/);
  await stepTimes(page, 3);
  assertClean(problems);
  await context.close();
});

test('a hostile backend value becomes a notice and the default', async () => {
  const { page, context, problems } = await open(plainBrowser, '?view=train&policies=fp32&backend=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
  const notice = await page.textContent('[data-testid=url-notice]');
  assert.match(notice, /Ignored backend=.*use auto, webgpu or cpu/);
  assert.equal(await page.locator('img[src=x]').count(), 0);
  assert.equal(await page.$eval('[data-testid=input-backend]', (s) => s.value), 'auto');
  assertClean(problems);
  await context.close();
});
