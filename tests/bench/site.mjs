// Site benchmark (not a test): sizes of dist/, what each view and widget downloads before it is
// interactive (gzip and brotli), cold loads under emulated slow networks against a blank page
// served the same way, the Formats view's bit-click latency and the Plots view's format change.
// Run through scripts/bench-site.sh, which builds the release site first.
import { existsSync, readdirSync, readFileSync, statSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { serve, launch, DIST } from '../e2e/harness.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const kb = (n) => (n / 1024).toFixed(1);
// BENCH=sizes,first,cold,click,plots runs only those sections (all by default).
const only = new Set((process.env.BENCH ?? 'sizes,first,cold,click,plots,svg,tensor').split(','));

// 1. Transfer sizes of the whole site.
if (only.has('sizes')) {
let raw = 0, gz = 0, zo = 0, br = 0;
console.log('\n## dist/ sizes (KiB): every file a visit to every view and widget could fetch\n');
console.log('| file | raw | gzip -9 | the build\'s .gz (zopfli) | brotli 11 |\n|---|---:|---:|---:|---:|');
for (const name of readdirSync(DIST).sort()) {
  const path = join(DIST, name);
  if (!statSync(path).isFile() || /\.(gz|br)$/.test(name) || name === '_headers') continue;
  const bytes = readFileSync(path);
  const z = gzipSync(bytes, { level: 9 }).length;
  const served = existsSync(`${path}.gz`) ? statSync(`${path}.gz`).size : z;
  const b = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += bytes.length; gz += z; zo += served; br += b;
  if (bytes.length > 8192) console.log(`| ${name.replace(/-[0-9a-f]{16}/, '-<hash>')} | ${kb(bytes.length)} | ${kb(z)} | ${kb(served)} | ${kb(b)} |`);
}
console.log(`| **total** (smaller files not listed) | **${kb(raw)}** | **${kb(gz)}** | **${kb(zo)}** | **${kb(br)}** |`);
}

const blankDir = mkdtempSync(join(tmpdir(), 'blank-'));
writeFileSync(join(blankDir, 'index.html'),
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body><p>blank</p>' +
  '<script type="module">performance.mark("app-ready"); document.documentElement.dataset.ready = "1";</script></body></html>');
const browser = await launch();

// 2. First view: what a cold visit downloads before the page is interactive (every request
// started before the app marked itself ready), as the server sends it: the precompressed
// brotli or gzip files. "+ after" is what the page fetched in the 3 s after that, with nothing
// scrolled or clicked (parts beside or just below the first screen).
async function firstView(site, path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(site.url(path));
  await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 });
  await page.waitForTimeout(3000);
  const result = await page.evaluate(() => {
    const ready = performance.getEntriesByName('app-ready')[0].startTime;
    const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
    let before = 0, after = 0, requests = 0;
    for (const e of entries) {
      if (e.startTime <= ready) { before += e.encodedBodySize; requests++; } else after += e.encodedBodySize;
    }
    return { before, after, requests };
  });
  await context.close();
  return result;
}
const ENTRY_PATHS = ['?view=learn', '?view=formats', '?embed=editor', '?view=plots', '?view=memory', '?view=train', '?view=tensor',
  ...['same-value', 'facts', 'mx', 'range', 'precision', 'number-line', 'quantize', 'rounding', 'memory', 'trainer', 'tensor']
    .map((w) => `?embed=${w}`)];
const gzipSite = await serve(DIST, { encoding: 'gzip' });
const brSite = await serve(DIST, { encoding: 'br' });
if (only.has('first')) {
console.log('\n## First view: bytes a cold visit downloads before it is interactive (KB = 1000 bytes)\n');
console.log('| page | gzip KB | brotli KB | requests | + after, gzip KB | goal |\n|---|---:|---:|---:|---:|---|');
for (const path of ENTRY_PATHS) {
  const g = await firstView(gzipSite, path);
  const b = await firstView(brSite, path);
  const goal = ['?view=learn', '?view=formats', '?embed=editor'].includes(path)
    ? (g.before <= 150_000 ? 'at most 150 KB gzip: met' : 'at most 150 KB gzip: **not met**') : '';
  console.log(`| ${path} | ${(g.before / 1000).toFixed(1)} | ${(b.before / 1000).toFixed(1)} | ${g.requests} | ${(g.after / 1000).toFixed(1)} | ${goal} |`);
}
}

// 3. Cold load to interactive under emulated networks (Chromium's own throttling, per request),
// gzip served, a fresh browser context (empty cache) per load, median of 5.
const NETWORKS = [
  { name: '4 Mbit/s, 100 ms', latency: 100, bitsPerSecond: 4e6, cpu: 1, goal: (t, blank) => `at most 4x blank: ${t <= 4 * blank ? 'met' : '**not met**'}` },
  { name: '1.6 Mbit/s, 150 ms, CPU 4x slower', latency: 150, bitsPerSecond: 1.6e6, cpu: 4, goal: (t) => `landing under 1.5 s: ${t < 1500 ? 'met' : '**not met**'}` },
];
async function coldLoad(url, network) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: network.latency,
    downloadThroughput: network.bitsPerSecond / 8, uploadThroughput: network.bitsPerSecond / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: network.cpu });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 60_000 });
  const t = await page.evaluate(() => performance.getEntriesByName('app-ready')[0].startTime);
  await context.close();
  return t;
}
const blank = await serve(blankDir, { encoding: 'gzip' });
for (const network of only.has('cold') ? NETWORKS : []) {
  console.log(`\n## Cold load to interactive: ${network.name} (gzip, median of 5, ms)\n`);
  console.log('| page | ms | x blank | goal |\n|---|---:|---:|---|');
  const times = async (url) => {
    const out = [];
    for (let i = 0; i < 5; i++) out.push(await coldLoad(url, network));
    return median(out);
  };
  const base = await times(blank.url());
  console.log(`| blank page | ${base.toFixed(0)} | 1.0 | |`);
  for (const path of ['?view=learn', '?view=formats', '?embed=editor']) {
    const t = await times(gzipSite.url(path));
    const goal = network.cpu === 1 || path === '?view=learn' ? network.goal(t, base) : '';
    console.log(`| ${path} | ${t.toFixed(0)} | ${(t / base).toFixed(1)} | ${goal} |`);
  }
}
const site = gzipSite;

// 4. Bit click to every readout and the same-value table updated, 200 clicks.
if (only.has('click')) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.url('?view=formats&format=fp32&value=0.1'));
  await page.waitForSelector('html[data-ready="1"]');
  // The same-value table and the side plots are parts of their own, loaded just after the editor.
  await page.waitForSelector('[data-testid=same-fp64] td');
  await page.waitForSelector('.editor-plots [data-testid=plot-range] .plot-svg');
  const samples = await page.evaluate(async () => {
    const until = async (cond) => {
      for (let i = 0; i < 100000 && !cond(); i++) await new Promise((r) => queueMicrotask(r));
      while (!cond()) await new Promise((r) => setTimeout(r, 0));
    };
    const hex = () => document.querySelector('[data-testid=code-hex]').textContent;
    const sameRow = () => document.querySelector('[data-testid=same-fp64] td').getAttribute('data-value');
    const sidePlot = () => document.querySelector('.editor-plots [data-testid=plot-range] .plot-svg').innerHTML;
    const out = [];
    const plots = [];
    for (let i = 0; i < 200; i++) {
      const bit = document.querySelector(`[data-testid=bit-${i % 23}]`);
      const [h0, s0, p0] = [hex(), sameRow(), sidePlot()];
      const t0 = performance.now();
      bit.click();
      await until(() => hex() !== h0 && sameRow() !== s0);
      out.push(performance.now() - t0);
      // The small plots beside the editor are redrawn just after the next paint (they are not
      // readouts); wait for them too, so the next click starts from a settled page, and report
      // that time apart.
      while (sidePlot() === p0) await new Promise((r) => setTimeout(r, 0));
      plots.push(performance.now() - t0);
    }
    return { out, plots };
  });
  console.log('\n## Formats view: bit click to all readouts updated (200 clicks)\n');
  console.log(`| what | median ms | p95 ms | goal p95 |\n|---|---:|---:|---:|`);
  console.log(`| readouts and same-value table | ${median(samples.out).toFixed(2)} | ${pct(samples.out, 0.95).toFixed(2)} | < 8 |`);
  console.log(`| ... and the two plots beside the editor | ${median(samples.plots).toFixed(2)} | ${pct(samples.plots, 0.95).toFixed(2)} | |`);
  await context.close();
}

// 5. Plots view: format change to every plot re-rendered, 60 changes.
if (only.has('plots')) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.url('?view=plots&format=fp16&value=0.1'));
  await page.waitForSelector('html[data-ready="1"]');
  const samples = await page.evaluate(async () => {
    const until = async (cond) => {
      for (let i = 0; i < 100000 && !cond(); i++) await new Promise((r) => queueMicrotask(r));
      while (!cond()) await new Promise((r) => setTimeout(r, 0));
    };
    const svgs = () => [...document.querySelectorAll('.plot-grid .plot-svg')].map((e) => e.innerHTML);
    const select = document.querySelector('[data-testid=format-select]');
    const formats = ['fp16', 'bf16', 'e4m3fn', 'e5m2', 'e3m2fn', 'e2m1fn'];
    const out = [];
    for (let i = 1; i <= 60; i++) {
      const before = svgs();
      const t0 = performance.now();
      select.value = formats[i % formats.length];
      select.dispatchEvent(new Event('change', { bubbles: true }));
      // Every plot that depends on the format has new markup (range/precision always do).
      // The plots of the editor's own format (number line, quantization, rounding) must change;
      // the range and precision plots change only when the format is not already compared.
      await until(() => { const now = svgs(); return now[2] !== before[2] && now[3] !== before[3] && now[4] !== before[4]; });
      out.push(performance.now() - t0);
    }
    return out;
  });
  console.log('\n## Plots view: format change to all five plots re-rendered (60 changes)\n');
  console.log(`| median ms | p95 ms | goal p95 |\n|---:|---:|---:|\n| ${median(samples).toFixed(2)} | ${pct(samples, 0.95).toFixed(2)} | < 16 |`);
  await context.close();
}

// 6. What the browser parses per format change: the five plots' SVG markup (characters of
// innerHTML) and element count, per editor format, light theme, default controls.
if (only.has('svg')) {
  const context = await browser.newContext();
  const page = await context.newPage();
  console.log('\n## Plots view: SVG markup of the five plots\n');
  console.log('| format | characters | elements |\n|---|---:|---:|');
  let chars = 0, elements = 0;
  const formats = ['fp16', 'bf16', 'e4m3fn', 'e5m2', 'e3m2fn', 'e2m1fn'];
  for (const format of formats) {
    await page.goto(site.url(`?view=plots&format=${format}&value=0.1`));
    await page.waitForSelector('html[data-ready="1"]');
    const size = await page.evaluate(() => {
      const svgs = [...document.querySelectorAll('.plot-grid .plot-svg')];
      return {
        chars: svgs.reduce((n, e) => n + e.innerHTML.length, 0),
        elements: svgs.reduce((n, e) => n + e.querySelectorAll('*').length, 0),
      };
    });
    chars += size.chars; elements += size.elements;
    console.log(`| ${format} | ${size.chars} | ${size.elements} |`);
  }
  console.log(`| mean | ${Math.round(chars / formats.length)} | ${Math.round(elements / formats.length)} |`);
  await context.close();
}

// 7. The tensor view: a safetensors file of N fp32 values (TENSOR_N, default 1,000,000, a mix of
// magnitudes with an outlier every 97th value) through every format in each scaling (none, tensor,
// block: two runs each), measured in the page's workers and, for comparison, in the page alone
// (the worker script hidden from the app: `window.plTensorWorker` reads undefined). The time from
// choosing the file to the table, taken in the page (a MutationObserver sees the table arrive;
// waiting through the test driver would add its polling, up to half a second), and the longest
// task while it streams.
if (only.has('tensor')) {
  const n = Number(process.env.TENSOR_N ?? 1_000_000);
  const data = Buffer.alloc(4 * n);
  for (let i = 0; i < n; i += 1) data.writeFloatLE(Math.sin(i * 1.7) * 0.05 * (i % 97 === 0 ? 31 : 1), 4 * i);
  let json = JSON.stringify({ w: { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] } });
  while (json.length % 8) json += ' ';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const bytes = Buffer.concat([length, Buffer.from(json), data]);
  // The driver hands over at most 50 MB from memory; a larger file goes through a file on disk.
  let file = bytes;
  if (bytes.length > 48e6) {
    file = join(mkdtempSync(join(tmpdir(), 'pl-tensor-')), 'w.safetensors');
    writeFileSync(file, bytes);
  }
  // TENSOR_SCALES: the scalings to run (all three by default); TENSOR_WHERE: workers, page or both.
  const scales = (process.env.TENSOR_SCALES ?? 'none,tensor,block').split(',');
  const wheres = (process.env.TENSOR_WHERE ?? 'workers,page').split(',');
  console.log('\n## Your tensor: a file of fp32 values through every format, in each scaling\n');
  console.log('| where | scaling | values | seconds to the table | values per second | longest task while streaming, ms (0: none over 50) |\n|---|---|---:|---:|---:|---:|');
  const totals = { workers: {}, page: {} };
  for (const where of wheres) for (const scale of scales) for (let run = 0; run < 2; run += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (where === 'page') {
      await context.addInitScript(() => Object.defineProperty(window, 'plTensorWorker', { get: () => undefined, set: () => {} }));
    }
    const page = await context.newPage();
    await page.goto(gzipSite.url(`?view=tensor&scale=${scale}`));
    await page.locator('[data-testid=tensor-file]').waitFor();
    // Long tasks after the file has arrived: the task that hands the page a file from the test
    // driver (about 0.4 s for 4 MB) is the driver's, not the page's.
    await page.evaluate(() => {
      window.__long = [];
      window.__changed = Infinity;
      window.__table = undefined;
      document.querySelector('[data-testid=tensor-file]').addEventListener('change', () => { window.__changed = performance.now(); });
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]); }).observe({ type: 'longtask' });
      new MutationObserver(() => {
        if (window.__table === undefined && document.querySelector('[data-testid=tensor-table]')) window.__table = performance.now();
      }).observe(document.body, { subtree: true, childList: true });
    });
    await page.setInputFiles('[data-testid=tensor-file]', typeof file === 'string' ? file
      : { name: 'w.safetensors', mimeType: 'application/octet-stream', buffer: file });
    const t0 = await page.evaluate(() => performance.now());
    await page.locator('[data-testid=tensor-table]').waitFor({ timeout: 600_000 });
    const t1 = await page.evaluate(() => window.__table);
    const longest = await page.evaluate(() => Math.max(0, ...window.__long
      .filter(([start, duration]) => start + duration > window.__changed + 1 && start > window.__changed)
      .map(([, duration]) => duration)));
    const secs = (t1 - t0) / 1000;
    totals[where][scale] = Math.min(totals[where][scale] ?? Infinity, secs);
    console.log(`| ${where} | ${scale} | ${n.toLocaleString('en-US')} | ${secs.toFixed(2)} | ${Math.round(n / secs).toLocaleString('en-US')} | ${longest.toFixed(0)} |`);
    await context.close();
  }
  for (const where of wheres) {
    const t = totals[where];
    console.log(`\nAll three scalings, ${where} (best runs): ${(t.none + t.tensor + t.block).toFixed(2)} s for ${n.toLocaleString('en-US')} values; goal for 10,000,000: under 3 s.`);
  }
}

await browser.close();
await gzipSite.close();
await brSite.close();
await blank.close();
