// wasm-opt -Oz over many modules at once: binaryen 132 (npm) is a compiled-to-JS build whose
// command line takes about a second to start, so the hundreds of modules of the split app are
// optimised in worker threads that each load binaryen once. Same passes as `wasm-opt -Oz`; the
// features are those the modules declare (rustc's wasm32 defaults). The custom sections
// `producers` and `target_features` are stripped after.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/// Optimises each `[from, to, unused]` triple with `threads` workers; resolves when all are written.
/// `unused` (optional) is a pattern of exports nothing calls: they are removed first, so the
/// optimiser drops the code only they reach.
export async function optimizeAll(pairs, threads) {
  const shares = Array.from({ length: Math.max(1, Math.min(threads, pairs.length)) }, () => []);
  pairs.forEach((pair, i) => shares[i % shares.length].push(pair));
  await Promise.all(shares.map((share) => new Promise((ok, fail) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: share, stderr: true });
    let errors = '';
    // binaryen warns about the name section of every module (a subsection it does not know):
    // nothing to act on, so only other output is kept.
    worker.stderr.on('data', (d) => {
      errors += String(d).split('\n').filter((l) => l && !l.includes('unknown name subsection')).join('\n');
    });
    worker.on('error', fail);
    worker.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`wasm-opt worker failed (${code}): ${errors}`))));
  })));
}

if (!isMainThread) {
  const { default: binaryen } = await import('binaryen');
  for (const [from, to, unused] of workerData) {
    const module = binaryen.readBinary(readFileSync(from));
    if (unused) {
      const pattern = new RegExp(unused);
      const names = Array.from({ length: module.getNumExports() },
        (_, i) => binaryen.getExportInfo(module.getExportByIndex(i)).name);
      for (const name of names.filter((n) => pattern.test(n))) module.removeExport(name);
    }
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    // Two custom sections no browser reads (the toolchain's name and the features it assumed),
    // in each of the hundreds of modules: about 1.3 KB gzip of the editor widget's first view.
    module.runPasses(['strip-producers', 'strip-target-features']);
    if (!module.validate()) throw new Error(`${from}: binaryen's output does not validate`);
    writeFileSync(to, module.emitBinary());
    module.dispose();
  }
  parentPort?.postMessage('done');
}
