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

const TF = join(ROOT, 'node_modules', '@tensorflow');
const json = process.argv.includes('--json');

const site = await serve();
const tfServer = await serve(TF, { headers: { 'access-control-allow-origin': '*' } });
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
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
  const peer = await page.evaluate(async ({ data, wasmPath }) => {
    const tf = window.tf;
    tf.wasm.setWasmPaths(wasmPath);
    const results = [];
    for (const backend of ['cpu', 'wasm']) {
      let ok = false, why = '';
      try { ok = await tf.setBackend(backend); await tf.ready(); } catch (e) { why = String(e); }
      if (!ok) { results.push({ backend, error: why || 'setBackend returned false' }); continue; }
      for (const hidden of [[32, 32], [64, 64, 64, 64]]) {
        const n = data.classes.length;
        const X = tf.tensor2d(data.inputs, [n, 2]);
        const Y = tf.cast(tf.oneHot(tf.tensor1d(data.classes, 'int32'), 2), 'float32');
        const dims = [2, ...hidden, 2];
        const params = dims.slice(1).map((d, i) => {
          const a = Math.sqrt(6 / (dims[i] + d));
          return { w: tf.variable(tf.randomUniform([dims[i], d], -a, a, 'float32', 1 + i)), b: tf.variable(tf.zeros([d])) };
        });
        // Backpropagation written out with tf ops: tfjs-core's browser bundle registers kernels but
        // not gradients (those come with the @tensorflow/tfjs umbrella package), so minimize() and
        // tf.grad cannot run on core + backends alone. This is the same math as our engine: softmax
        // cross-entropy, tanh, SGD with momentum 0.9 (v = 0.9 v + g; w -= lr v), lr 0.03.
        const velocity = params.map((p) => ({ w: tf.variable(tf.zerosLike(p.w)), b: tf.variable(tf.zerosLike(p.b)) }));
        const batch = 64;
        let order = [...Array(n).keys()], cursor = n;
        const stepOnce = () => {
          if (cursor + batch > n) {
            for (let i = n - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
            cursor = 0;
          }
          const idx = tf.tensor1d(order.slice(cursor, cursor + batch), 'int32');
          cursor += batch;
          const loss = tf.tidy(() => {
            const xb = tf.gather(X, idx), yb = tf.gather(Y, idx);
            const hs = [xb];
            let z = xb;
            params.forEach((p, i) => {
              z = tf.add(tf.matMul(hs[i], p.w), p.b);
              if (i < params.length - 1) hs.push(tf.tanh(z));
            });
            const logp = tf.logSoftmax(z);
            const loss = tf.neg(tf.mean(tf.sum(tf.mul(yb, logp), 1)));
            let dz = tf.div(tf.sub(tf.exp(logp), yb), batch);
            for (let i = params.length - 1; i >= 0; i--) {
              const dw = tf.matMul(hs[i], dz, true, false);
              const db = tf.sum(dz, 0);
              if (i > 0) {
                const dh = tf.matMul(dz, params[i].w, false, true);
                dz = tf.mul(dh, tf.sub(1, tf.square(hs[i])));
              }
              velocity[i].w.assign(tf.add(tf.mul(velocity[i].w, 0.9), dw));
              velocity[i].b.assign(tf.add(tf.mul(velocity[i].b, 0.9), db));
              params[i].w.assign(tf.sub(params[i].w, tf.mul(velocity[i].w, 0.03)));
              params[i].b.assign(tf.sub(params[i].b, tf.mul(velocity[i].b, 0.03)));
            }
            return loss;
          });
          const value = loss.dataSync()[0];
          loss.dispose(); idx.dispose();
          return value;
        };
        for (let i = 0; i < 20; i++) stepOnce();
        let best = 0, first = NaN, last = NaN;
        for (let w = 0; w < 3; w++) {
          let busy = 0, steps = 0;
          while (busy < 300) {
            const t0 = performance.now();
            for (let k = 0; k < 10; k++) { last = stepOnce(); if (Number.isNaN(first)) first = last; }
            busy += performance.now() - t0;
            steps += 10;
            await new Promise((r) => setTimeout(r, 0));
          }
          best = Math.max(best, steps * 1000 / busy);
        }
        results.push({ backend, hidden: hidden.join(','), steps_per_s: best, loss_first: first, loss_last: last });
        X.dispose(); Y.dispose(); [...params, ...velocity].forEach((p) => { p.w.dispose(); p.b.dispose(); });
      }
    }
    return { results, wasmFeatures: tf.env().getBool ? { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => null), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT').catch(() => null) } : null };
  }, { data, wasmPath: tfServer.url('tfjs-backend-wasm/dist/') });

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
