// Training steps per second, CPU backend vs WebGPU backend, in headless Chromium with
// --enable-unsafe-webgpu (SwiftShader, a software adapter, on a machine without a GPU driver for
// Chromium; a real GPU where Chromium has one), next to TensorFlow.js's WebGPU backend training the
// same MLP in the same browser. Not a timed test: it prints a Markdown table (JSON with --json).
//
//   node tests/bench/train-gpu.mjs       (needs a release build in dist/: trunk build --release)
//
// Workload (as `cargo bench --bench gpu`): two spirals, 512 points, noise 0.1; MLP 2-w-w-2 for w
// from 16 to 512, tanh, softmax cross-entropy, SGD lr 0.03 momentum 0.9, batch 64. Ours: the page's
// `?view=train&bench=gpu` hook (fp32 and bf16 mixed precision, best of three 300 ms windows; the GPU
// figure is wall time of awaited steps, each reading its summary back). TensorFlow.js: fp32, the loss
// read back every step (`await loss.data()`), best of three 300 ms windows.
import { join } from 'node:path';
import { serve, launch, ROOT } from '../e2e/harness.mjs';
import { tfPeer } from './tfpeer.mjs';

const TF = join(ROOT, 'node_modules', '@tensorflow');
const json = process.argv.includes('--json');

const site = await serve();
const tfServer = await serve(TF, { headers: { 'access-control-allow-origin': '*' } });
const browser = await launch({ extraArgs: ['--enable-unsafe-webgpu'] });
try {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  page.on('pageerror', (e) => console.error('page error:', String(e)));
  await page.goto(site.url('?view=train&bench=gpu'));
  await page.waitForSelector('[data-testid=bench][data-bench]', { timeout: 1_200_000 });
  const ours = JSON.parse(await page.getAttribute('[data-testid=bench]', 'data-bench'));
  const data = JSON.parse(await page.getAttribute('[data-testid=bench]', 'data-bench-data'));
  const widths = [...new Set(ours.rows.map((r) => r.hidden))];
  console.error(`ours: ${JSON.stringify(ours)}`);

  for (const file of ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js']) {
    await page.addScriptTag({ url: tfServer.url(file) });
  }
  const peer = await page.evaluate(tfPeer, {
    data,
    wasmPath: '',
    backends: ['webgpu'],
    networks: widths.map((h) => h.split(',').map(Number)),
  });
  const userAgent = await page.evaluate(() => navigator.userAgent);
  if (json) {
    console.log(JSON.stringify({ userAgent, ours, peer }, null, 2));
  } else {
    console.log(`headless Chromium: ${userAgent}`);
    console.log(`our adapter: ${ours.adapter}\n`);
    console.log('| hidden | ours, CPU (wasm) fp32 | ours, WebGPU fp32 | ours, CPU bf16 mixed | ours, WebGPU bf16 mixed | TensorFlow.js WebGPU fp32 |');
    console.log('|---|---|---|---|---|---|');
    const fmt = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(0));
    for (const hidden of widths) {
      const row = (policy) => ours.rows.find((r) => r.hidden === hidden && r.policy === policy) ?? {};
      const tf = peer.results.find((r) => r.hidden === hidden);
      const tfText = peer.results.find((r) => r.error)?.error ?? fmt(tf?.steps_per_s);
      console.log(`| ${hidden} | ${fmt(row('fp32').cpu)} | ${fmt(row('fp32').webgpu)} | ${fmt(row('bf16-mixed').cpu)} | ${fmt(row('bf16-mixed').webgpu)} | ${tfText} |`);
    }
  }
} finally {
  await browser.close();
  await site.close();
  await tfServer.close();
}
