// Whole-page tests of the "Your tensor" view (issue 18): a demo from its URL, hand-built
// .safetensors and .npy files whose expected shares are worked out here, the scaling in the URL,
// pasted numbers, broken files and Cancel. Nothing leaves the page (assertClean fails on any
// request to another origin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { serve, launch, screenshot, assertClean, openApp, openPage } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

const attr = (page, id, name) => page.getAttribute(`[data-testid=tensor-row-${id}]`, `data-${name}`);

/// A safetensors file: 8-byte header length, the JSON header padded to 8 bytes, the data.
function safetensors(header, data) {
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), data]);
}

/// A ZIP of stored members, as numpy.savez writes it (CRCs 0: the reader does not check them);
/// with `deflate`, compressed as numpy.savez_compressed writes it.
function zipStored(members, deflate = false) {
  const parts = [];
  const directory = [];
  let at = 0;
  for (const [name, raw] of members) {
    const data = deflate ? deflateRawSync(raw) : raw;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(at, 42);
    parts.push(local, Buffer.from(name), data);
    directory.push(central, Buffer.from(name));
    at += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([...parts, dir, end]);
}

const W = [1.0, -2.5, 0.1, 65504.0, 70000.0, 1e-8];
function twoTensors() {
  const w = Buffer.alloc(24);
  W.forEach((x, i) => w.writeFloatLE(x, 4 * i));
  const b = Buffer.from([0x80, 0x3f, 0x00, 0xc0]); // bf16 1 and -2
  return safetensors({
    __metadata__: { format: 'pt' },
    'model.w': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    'model.b': { dtype: 'BF16', shape: [2], data_offsets: [24, 28] },
  }, Buffer.concat([w, b]));
}

async function choose(page, name, buffer) {
  await page.setInputFiles('[data-testid=tensor-file]', { name, mimeType: 'application/octet-stream', buffer });
}

test('a demo opens from its URL and every format gets a row', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=tensor&demo=weights');
  await page.locator('[data-testid=tensor-table]').waitFor();
  assert.match(await page.textContent('[data-testid=tensor-summary]'), /65536 values/);
  // The help says what the largest relative error is; Q4_K's note only where Q4_K has a row.
  assert.match(await page.textContent('[data-testid=tensor-help]'), /a value flushed to zero counts 100%/);
  assert.doesNotMatch(await page.textContent('[data-testid=tensor-help]'), /Q4_K/);
  // Weights of std 0.02 fit fp16 and bf16 whole; E2M1's smallest step is 0.5, so every one of
  // them (all below 0.25) flushes to zero without a scale.
  assert.equal(await attr(page, 'fp16', 'overflow'), '0');
  assert.equal(await attr(page, 'e2m1fn', 'underflow'), '1');
  assert.equal(await page.locator('[data-testid=tensor-row-uint8]').count(), 0);
  // The histogram of the weights against a chosen format's window.
  const plotOf = () => page.innerHTML('[data-testid=tensor-plot]');
  const e4m3 = await plotOf();
  assert.match(e4m3, /<svg/);
  // And the error distribution in that format: the weights' relative errors in binades.
  assert.match(await page.innerHTML('[data-testid=tensor-errors]'), /data-bins="-?\d+:\d+/);
  // Both plots download as SVG (and PNG), named after what they show.
  const [svgFile] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-svg-tensor-histogram]')]);
  assert.equal(svgFile.suggestedFilename(), 'precision-lab-tensor-histogram.svg');
  assert.match(readFileSync(await svgFile.path(), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const [pngFile] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-png-tensor-errors]')]);
  assert.equal(pngFile.suggestedFilename(), 'precision-lab-tensor-errors.png');
  assert.deepEqual([...readFileSync(await pngFile.path()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await page.selectOption('[data-testid=tensor-plot-format]', 'bf16');
  await page.waitForFunction((before) => document.querySelector('[data-testid=tensor-plot]').innerHTML !== before, e4m3);
  // Block scales rescue the 4-bit formats; the URL keeps the choice.
  await page.selectOption('[data-testid=tensor-scale]', 'block');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('scale') === 'block');
  await page.locator('[data-testid=tensor-row-fp16]').waitFor({ state: 'detached' });
  assert.ok(Number(await attr(page, 'e2m1fn', 'underflow')) < 0.1);
  assert.ok(Number(await attr(page, 'e2m1fn', 'sqnr')) > 10);
  assert.equal(await page.locator('tr.best').count() >= 2, true);
  // GGUF's block types are rows of the block table too.
  assert.ok(Number(await attr(page, 'q4_0', 'sqnr')) > 10);
  // Q4_K's super-blocks (a scale and a min per 32) keep more than Q4_0's one scale per 32; NVFP4
  // (E4M3 per 16 under an fp32 tensor scale) keeps more of a 4-bit tensor than MXFP4.
  assert.ok(Number(await attr(page, 'q4_k', 'sqnr')) > Number(await attr(page, 'q4_0', 'sqnr')));
  assert.ok(Number(await attr(page, 'nvfp4', 'sqnr')) > Number(await attr(page, 'e2m1fn', 'sqnr')));
  // Downloads carry the same numbers; "best SQNR first" reorders the rows.
  const csv = decodeURIComponent((await page.getAttribute('[data-testid=tensor-csv]', 'href')).split(',').slice(1).join(','));
  assert.match(csv, new RegExp(`^e2m1fn,4.25,"MX: E8M0 scale per 32 values",block,[^,]*,${await attr(page, 'e2m1fn', 'underflow')},`, 'm'));
  await page.check('[data-testid=tensor-sort]');
  const sqnrs = await page.locator('[data-testid^=tensor-row-]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-sqnr'))));
  assert.deepEqual(sqnrs, [...sqnrs].sort((a, b) => b - a));
  await screenshot(page, 'tensor-demo-block');
  assertClean(problems);
  await context.close();
});

test('a safetensors file: its tensors listed, the chosen one measured exactly', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=tensor');
  await choose(page, 'model.safetensors', twoTensors());
  await page.locator('[data-testid=tensor-table]').waitFor();
  const options = await page.locator('[data-testid=tensor-pick] option').allTextContents();
  assert.deepEqual(options, ['model.w [2 x 3] F32 (6 elements)', 'model.b [2] BF16 (2 elements)']);
  // fp16: 70000 overflows, 1e-8 flushes, 1, -2.5 and 65504 are exact: 1/6, 1/6, 3/6.
  assert.equal(Number(await attr(page, 'fp16', 'overflow')), 1 / 6);
  assert.equal(Number(await attr(page, 'fp16', 'underflow')), 1 / 6);
  assert.equal(Number(await attr(page, 'fp16', 'exact')), 0.5);
  // The other tensor: bf16 values are exact in bf16 and fp32.
  await page.selectOption('[data-testid=tensor-pick]', '1');
  await page.waitForFunction(() => /model.b/.test(document.querySelector('[data-testid=tensor-summary]')?.textContent ?? ''));
  assert.equal(await attr(page, 'bf16', 'exact'), '1');
  assert.equal(await attr(page, 'bf16', 'sqnr'), 'inf');
  assertClean(problems);
  await context.close();
});

test('an npy file and pasted numbers are read too', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=tensor');
  let dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }";
  while ((10 + dict.length + 1) % 64) dict += ' ';
  dict += '\n';
  const head = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([dict.length, 0]), Buffer.from(dict)]);
  const data = Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]); // fp16 1, -2, +inf
  await choose(page, 'x.npy', Buffer.concat([head, data]));
  await page.locator('[data-testid=tensor-table]').waitFor();
  assert.match(await page.textContent('[data-testid=tensor-summary]'), /3 values, 0 zero, 1 NaN or infinite/);
  // The same array twice in a .npz (numpy.savez: a ZIP of stored .npy members).
  const npyFile = Buffer.concat([head, data]);
  await choose(page, 'x.npz', zipStored([['first.npy', npyFile], ['second.npy', npyFile]]));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=tensor-pick] option').length === 2);
  assert.deepEqual(await page.locator('[data-testid=tensor-pick] option').allTextContents(), ['first [3] <f2 (3 elements)', 'second [3] <f2 (3 elements)']);
  await page.locator('[data-testid=tensor-table]').waitFor();
  // numpy.savez_compressed: the members are deflated; 100,000 fp16 values of a repeating
  // pattern compress to a few hundred bytes and stream back through the inflater.
  const many = Buffer.alloc(200000);
  for (let i = 0; i < 100000; i++) many.writeUInt16LE([0x3c00, 0xc000, 0x3800, 0x0000][i % 4], 2 * i);
  let bigDict = "{'descr': '<f2', 'fortran_order': False, 'shape': (100000,), }";
  while ((10 + bigDict.length + 1) % 64) bigDict += ' ';
  bigDict += '\n';
  const bigHead = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([bigDict.length, 0]), Buffer.from(bigDict)]);
  await choose(page, 'c.npz', zipStored([['small.npy', npyFile], ['big.npy', Buffer.concat([bigHead, many])]], true));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tensor-pick] option')].some((o) => /big/.test(o.textContent)));
  await page.selectOption('[data-testid=tensor-pick]', '1');
  await page.waitForFunction(() => /big.*100000 values, 25000 zero/.test(document.querySelector('[data-testid=tensor-summary]')?.textContent ?? ''));
  // 1, -2 and 0.5 are fp16 values, so every non-zero one is kept exactly.
  assert.equal(await attr(page, 'fp16', 'exact'), '1');
  await page.fill('[data-testid=tensor-paste]', '[0.1, 0.2, zebra]');
  await page.press('[data-testid=tensor-paste]', 'Tab');
  await page.locator('[data-testid=tensor-error]').waitFor();
  assert.match(await page.textContent('[data-testid=tensor-error]'), /"zebra" \(number 3\) is not a number/);
  await page.fill('[data-testid=tensor-paste]', '0.5, 0.25, 1e-9');
  await page.press('[data-testid=tensor-paste]', 'Tab');
  await page.waitForFunction(() => /3 pasted numbers/.test(document.querySelector('[data-testid=tensor-summary]')?.textContent ?? ''));
  // int8 without a scale keeps none of them (all round to 0).
  assert.equal(await attr(page, 'int8', 'underflow'), '1');
  assertClean(problems);
  await context.close();
});

test('broken files get a sentence, and the page keeps working', async () => {
  const { page, context, problems } = await openApp(browser, site, '?view=tensor&scale=bogus');
  assert.match(await page.textContent('[data-testid=url-notice]'), /scale: "bogus" is not recognised/);
  const good = twoTensors();
  const cases = [
    [Buffer.from('not a tensor file at all'), /does not fit/],
    [good.subarray(0, good.length - 3), /truncated or corrupt/],
    [Buffer.concat([good.subarray(0, 8), Buffer.from('#'), good.subarray(9)]), /not valid JSON/],
    [safetensors({ s: { dtype: 'F8_E8M0', shape: [2], data_offsets: [0, 2] } }, Buffer.from([1, 2])), /no tensor of a type this page reads/],
  ];
  // A compressed .npz whose deflated bytes are garbage.
  const bogus = zipStored([['w.npy', Buffer.alloc(64, 0xff)]]);
  bogus.writeUInt16LE(8, 8); // local header: deflated
  bogus.writeUInt16LE(8, bogus.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10); // directory too
  await choose(page, 'broken.npz', bogus);
  await page.waitForFunction(() => /compressed array of this \.npz is corrupt/.test(document.querySelector('[data-testid=tensor-error]')?.textContent ?? ''));
  for (const [buffer, message] of cases) {
    await choose(page, 'broken.safetensors', buffer);
    await page.waitForFunction((m) => new RegExp(m).test(document.querySelector('[data-testid=tensor-error]')?.textContent ?? ''), message.source);
  }
  await page.click('[data-testid=tensor-demo-gradients]');
  await page.locator('[data-testid=tensor-table]').waitFor();
  // Gradients of std 1e-6 sit below fp16's normal range: many lose precision, some flush.
  assert.ok(Number(await attr(page, 'fp16', 'underflow')) > 0);
  assertClean(problems);
  await context.close();
});

test('a large file streams with progress and Cancel stops it', async () => {
  // Block scales: the slowest table, so Cancel comes while the workers measure.
  const { page, context, problems } = await openApp(browser, site, '?view=tensor&scale=block');
  const n = 6_000_000; // 24 MB of fp32
  const data = Buffer.alloc(4 * n);
  for (let i = 0; i < n; i += 1) data.writeFloatLE(Math.sin(i) * 0.05, 4 * i);
  await choose(page, 'big.safetensors', safetensors({ w: { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] } }, data));
  await page.locator('[data-testid=tensor-progress]').waitFor();
  // The page answers while it streams: a frame comes back quickly.
  const frame = await page.evaluate(() => new Promise((done) => {
    const t0 = performance.now();
    requestAnimationFrame(() => done(performance.now() - t0));
  }));
  assert.ok(frame < 500, `a frame took ${frame} ms`);
  await page.click('[data-testid=tensor-cancel]');
  await page.waitForFunction(() => /Cancelled/.test(document.querySelector('[data-testid=tensor-error]')?.textContent ?? ''));
  // The stopped workers are replaced: the next file is measured.
  await choose(page, 'model.safetensors', twoTensors());
  await page.locator('[data-testid=tensor-table]').waitFor();
  assertClean(problems);
  await context.close();
});

/// Every row of the table as the page gives it: its id, shares and SQNR, and its text.
const rows = (page) => page.$$eval('[data-testid^=tensor-row-]', (all) => all.map((r) =>
  [r.dataset.testid, r.dataset.overflow, r.dataset.underflow, r.dataset.exact, r.dataset.sqnr, r.textContent]));

test('workers measure a file as the page alone does, and the page measures when no worker starts', async () => {
  // 600,000 values: two whole parts of 262,144 and a partial third; magnitudes from 1e-9 to 1e5,
  // zeros, NaN and infinities.
  const n = 600_000;
  const data = Buffer.alloc(4 * n);
  for (let i = 0; i < n; i += 1) {
    const special = [0, NaN, -Infinity, 3e5][i % 1009];
    data.writeFloatLE(special ?? Math.sin(i * 1.3) * 10 ** ((i % 15) - 9), 4 * i);
  }
  const file = safetensors({ w: { dtype: 'F32', shape: [600, 1000], data_offsets: [0, 4 * n] } }, data);
  // The app's worker script: as built, hidden (window.plTensorWorker reads undefined), missing.
  const worker = {
    built: null,
    hidden: () => Object.defineProperty(window, 'plTensorWorker', { get: () => undefined, set: () => {} }),
    missing: () => Object.defineProperty(window, 'plTensorWorker', { get: () => './no-such-worker.js', set: () => {} }),
  };
  // Every table by scaling and worker script; and the block table reached from the none table
  // by the scaling menu (the tensor's absmax then known: no first pass).
  const all = {};
  let switched;
  for (const scale of ['none', 'block']) {
    const tables = {};
    all[scale] = tables;
    for (const [how, script] of Object.entries(worker)) {
      const { page, context, problems } = await openPage(browser, site.origin);
      await context.addInitScript(() => {
        window.__workers = 0;
        const Original = window.Worker;
        window.Worker = class extends Original {
          constructor(...args) { super(...args); window.__workers += 1; }
        };
      });
      if (script) await context.addInitScript(script);
      await page.goto(site.url(`?view=tensor&scale=${scale}`));
      await page.locator('[data-testid=tensor-file]').waitFor();
      await choose(page, 'w.safetensors', file);
      await page.locator('[data-testid=tensor-table]').waitFor();
      assert.match(await page.textContent('[data-testid=tensor-summary]'), /600000 values, 595 zero, 1190 NaN or infinite/);
      tables[how] = await rows(page);
      if (scale === 'none' && how === 'built') {
        await page.selectOption('[data-testid=tensor-scale]', 'block');
        await page.locator('[data-testid=tensor-row-q4_k]').waitFor();
        switched = await rows(page);
      }
      const started = await page.evaluate(() => window.__workers);
      if (how === 'hidden') assert.equal(started, 0, 'no worker without a script');
      else assert.ok(started >= 1, `${how}: ${started} workers started`);
      problems.failedRequests = problems.failedRequests.filter((r) => !/no-such-worker/.test(r));
      assertClean(problems);
      await context.close();
    }
    assert.ok(tables.built.length > 10, `${scale}: ${tables.built.length} rows`);
    assert.deepEqual(tables.built, tables.hidden, `${scale}: workers and the page alone`);
    assert.deepEqual(tables.missing, tables.hidden, `${scale}: a worker that cannot start`);
  }
  assert.deepEqual(switched, all.block.built, 'block scales reached from the none table');
});

test('embed=tensor shows the table without the view heading', async () => {
  const { page, context, problems } = await openApp(browser, site, '?embed=tensor&demo=activations&scale=block');
  await page.locator('[data-testid=tensor-table]').waitFor();
  assert.equal(await page.locator('h1#view-title').count(), 0);
  // The outlier channels: with MX blocks of 32, a block holding an outlier flushes its small
  // neighbours in MXFP4, so its flush share is far above that of the weights demo's.
  assert.ok(Number(await attr(page, 'e2m1fn', 'underflow')) > 0.01);
  assert.match(await page.textContent('[data-testid=tensor-help]'), /Q4_K's levels are offset/);
  // A light page draws its plots once, in light colours (the dark ones are drawn only on a dark
  // page); a dark page shows them in dark colours.
  assert.equal(await page.locator('.tensor-chart-dark svg').count(), 0);
  await page.goto(site.url('?embed=tensor&demo=activations&scale=block&theme=dark'));
  await page.locator('[data-testid=tensor-table]').waitFor();
  await page.locator('.tensor-chart-dark svg').first().waitFor();
  assert.equal(await page.locator('.tensor-chart-dark svg').count(), 2);
  assert.ok(await page.locator('.tensor-chart-dark').first().isVisible());
  assert.ok(!(await page.locator('[data-testid=tensor-plot]').isVisible()));
  assertClean(problems);
  await context.close();
});
