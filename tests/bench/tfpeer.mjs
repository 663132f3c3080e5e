// TensorFlow.js, the peer of our training benchmarks: the benchmark MLP (tanh hidden layers, softmax
// cross-entropy, SGD with momentum 0.9, lr 0.03, batch 64) trained on the page's benchmark data with
// each TensorFlow.js backend asked for. Runs inside the page: pass it to page.evaluate.
// `data`: { inputs, classes } from the page's data-bench-data; `backends`: TensorFlow.js backend
// names; `networks`: lists of hidden widths. Returns { results, wasmFeatures }.
export async function tfPeer({ data, wasmPath, backends, networks }) {
    const tf = window.tf;
    if (tf.wasm) tf.wasm.setWasmPaths(wasmPath);
    const results = [];
    for (const backend of backends) {
      let ok = false, why = '';
      try { ok = await tf.setBackend(backend); await tf.ready(); } catch (e) { why = String(e); }
      if (!ok) { results.push({ backend, error: why || 'setBackend returned false' }); continue; }
      for (const hidden of networks) {
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
        const stepOnce = async () => {
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
          // WebGPU reads back asynchronously (as our GPU backend does); the others synchronously.
          const value = backend === 'webgpu' ? (await loss.data())[0] : loss.dataSync()[0];
          loss.dispose(); idx.dispose();
          return value;
        };
        for (let i = 0; i < 20; i++) await stepOnce();
        let best = 0, first = NaN, last = NaN;
        for (let w = 0; w < 3; w++) {
          let busy = 0, steps = 0;
          while (busy < 300) {
            const t0 = performance.now();
            for (let k = 0; k < 10; k++) { last = await stepOnce(); if (Number.isNaN(first)) first = last; }
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
}

