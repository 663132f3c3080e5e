// One cold load's waterfall at 4 Mbit/s and 100 ms per request (the cold-load benchmark's
// network): when each request started and ended, and when the app marked itself ready.
// `node tests/bench/waterfall.mjs [path]` on the release build (default `?view=learn`).
import { serve, launch, DIST } from '../e2e/harness.mjs';

const path = process.argv[2] ?? '?view=learn';
const site = await serve(DIST, { encoding: 'gzip' });
const browser = await launch();
const cpu = Number(process.env.CPU ?? 1);
const runs = Number(process.env.RUNS ?? 2);
const summary = [];
for (let run = 0; run < runs; run += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 100, downloadThroughput: 4e6 / 8, uploadThroughput: 4e6 / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  await page.goto(site.url(path));
  await page.waitForSelector('html[data-ready="1"]', { timeout: 60_000 });
  const timing = await page.evaluate(() => ({
    nav: performance.getEntriesByType('navigation').map((e) => [e.name.split('/').pop(), 0, e.responseStart, e.responseEnd, e.encodedBodySize]),
    res: performance.getEntriesByType('resource').map((e) => [e.name.split('/').pop(), e.startTime, e.responseStart, e.responseEnd, e.encodedBodySize]),
    marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
    dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
  }));
  const wasm = timing.res.find(([name]) => name.endsWith('.wasm'));
  summary.push([wasm ? wasm[3] : NaN, timing.marks.find(([n]) => n === 'app-ready')[1]]);
  console.log(`run ${run}: ${path}`);
  for (const [name, start, first, end, bytes] of [...timing.nav, ...timing.res]) {
    console.log(`${String(name).slice(0, 40).padEnd(40)} start ${start.toFixed(0).padStart(5)} first byte ${first.toFixed(0).padStart(5)} end ${end.toFixed(0).padStart(5)} ${(bytes / 1000).toFixed(1).padStart(7)} KB`);
  }
  console.log('DOMContentLoaded', timing.dcl.toFixed(0), 'marks', JSON.stringify(timing.marks.map(([n, t]) => [n, Math.round(t)])));
  await context.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median of ${runs}: main module downloaded at ${median(summary.map((s) => s[0])).toFixed(0)} ms, ready at ${median(summary.map((s) => s[1])).toFixed(0)} ms`);
await browser.close();
site.close();
