// Site benchmark (not a test): sizes of dist/ raw and gzip -9, time from navigation to the app
// being interactive vs a blank static page served the same way, and the Formats view's
// bit-click latency. Run through scripts/bench-site.sh, which builds the release site first.
import { readdirSync, readFileSync, statSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { serve, launch, DIST } from '../e2e/harness.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const kb = (n) => (n / 1024).toFixed(1);

// 1. Transfer sizes.
let raw = 0, gz = 0;
console.log('\n## dist/ sizes (KiB)\n\n| file | raw | gzip -9 |\n|---|---:|---:|');
for (const name of readdirSync(DIST).sort()) {
  const path = join(DIST, name);
  if (!statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length; gz += z;
  console.log(`| ${name.replace(/-[0-9a-f]{16}/, '-<hash>')} | ${kb(bytes.length)} | ${kb(z)} |`);
}
console.log(`| **total** | **${kb(raw)}** | **${kb(gz)}** |`);
console.log(`\nBudget: total transfer under 300 KB gzip: ${gz < 300_000 ? 'met' : 'NOT met'} (${(gz / 1000).toFixed(1)} KB).`);

// 2. Navigation to interactive, median of 5, app vs blank page.
const blankDir = mkdtempSync(join(tmpdir(), 'blank-'));
writeFileSync(join(blankDir, 'index.html'),
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body><p>blank</p>' +
  '<script type="module">performance.mark("app-ready"); document.documentElement.dataset.ready = "1";</script></body></html>');
const site = await serve(DIST);
const blank = await serve(blankDir);
const browser = await launch();
async function readyTimes(url, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 });
    times.push(await page.evaluate(() => performance.getEntriesByName('app-ready')[0].startTime));
    await context.close();
  }
  return times;
}
const app = median(await readyTimes(site.url('?view=formats')));
const base = median(await readyTimes(blank.url()));
console.log('\n## navigation to interactive (headless Chromium, median of 5)\n');
console.log(`| page | ms |\n|---|---:|\n| Precision Lab (?view=formats) | ${app.toFixed(1)} |\n| blank static page | ${base.toFixed(1)} |\n| ratio | ${(app / base).toFixed(1)}x |`);

// 3. Bit click to every readout and the same-value table updated, 200 clicks.
{
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(site.url('?view=formats&format=fp32&value=0.1'));
  await page.waitForSelector('html[data-ready="1"]');
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

// 4. Plots view: format change to every plot re-rendered, 60 changes.
{
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

// 5. What the browser parses per format change: the five plots' SVG markup (characters of
// innerHTML) and element count, per editor format, light theme, default controls.
{
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

await browser.close();
await site.close();
await blank.close();
