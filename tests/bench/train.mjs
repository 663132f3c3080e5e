// Training steps per second in headless Chromium: every precision policy of our CPU backend
// (WebAssembly, through the page's `?view=train&bench=1` hook) and TensorFlow.js (CPU and wasm
// backends, from node_modules, served locally) training the same MLP on the same data and batch in
// the same browser. Not a timed test: it prints a table (and JSON with --json).
//
//   node tests/bench/train.mjs            (needs a release build in dist/: trunk build --release)
//
// Workloads (as `cargo bench --bench train`): two spirals, 512 points, noise 0.1; MLP 2-32-32-2 and
// 2-64-64-64-64-2, tanh, softmax cross-entropy; SGD lr 0.03 momentum 0.9; batch 64. Each figure is
// the best of three windows of 300 ms of time spent inside the training calls (yields excluded),
// after 20 warm-up steps. TensorFlow.js reads the loss back every step (`dataSync`), as our engine
// returns it every step, and runs backpropagation written out with tf ops (see below).
import { join } from 'node:path';
import { serve, launch, ROOT } from '../e2e/harness.mjs';
import { tfPeer } from './tfpeer.mjs';

const TF = join(ROOT, 'node_modules', '@tensorflow');
const json = process.argv.includes('--json');

const site = await serve();
const tfServer = await serve(TF, { headers: { 'access-control-allow-origin': '*' } });
const browser = await launch();
try {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  const foreign = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(site.origin) && !u.startsWith(tfServer.origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('pageerror', (e) => console.error('page error:', String(e)));
  await page.goto(site.url('?view=train&bench=1'));
  await page.waitForSelector('[data-testid=bench][data-bench]', { timeout: 300_000 });
  const ours = JSON.parse(await page.getAttribute('[data-testid=bench]', 'data-bench'));
  const data = JSON.parse(await page.getAttribute('[data-testid=bench]', 'data-bench-data'));

  for (const file of ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js', 'tfjs-backend-wasm/dist/tf-backend-wasm.min.js']) {
    await page.addScriptTag({ url: tfServer.url(file) });
  }
  const peer = await page.evaluate(tfPeer, { data, wasmPath: tfServer.url('tfjs-backend-wasm/dist/'), backends: ['cpu', 'wasm'], networks: [[32, 32], [64, 64, 64, 64]] });

  const userAgent = await page.evaluate(() => navigator.userAgent);
  if (json) {
    console.log(JSON.stringify({ userAgent, ours, peer, foreign }, null, 2));
  } else {
    console.log(`headless Chromium: ${userAgent}`);
    console.log(`TensorFlow.js wasm features: ${JSON.stringify(peer.wasmFeatures)}`);
    for (const hidden of ['32,32', '64,64,64,64']) {
      const fp32 = ours.find((r) => r.hidden === hidden && r.policy === 'fp32').steps_per_s;
      console.log(`\nspirals 512, hidden ${hidden} tanh, batch 64, SGD momentum, cross-entropy`);
      console.log('| run | steps/s | speed vs our wasm fp32 |');
      console.log('|---|---|---|');
      for (const r of ours.filter((r) => r.hidden === hidden)) {
        console.log(`| ours (wasm) ${r.policy} | ${r.steps_per_s.toFixed(0)} | ${(r.steps_per_s / fp32).toFixed(2)}x |`);
      }
      for (const r of peer.results.filter((r) => r.hidden === hidden || r.error)) {
        if (r.error) { console.log(`| TensorFlow.js ${r.backend} | failed: ${r.error} | |`); continue; }
        console.log(`| TensorFlow.js ${r.backend} fp32 | ${r.steps_per_s.toFixed(0)} | ${(r.steps_per_s / fp32).toFixed(2)}x (loss ${r.loss_first.toFixed(3)} -> ${r.loss_last.toFixed(3)}) |`);
      }
    }
    if (foreign.length) console.log(`\nforeign requests: ${foreign.join(', ')}`);
  }
} finally {
  await browser.close();
  await site.close();
  await tfServer.close();
}
