// Whole-page test: a view removes every listener and observer it adds when it goes away, so
// walking between the views many times leaves the page with as many JavaScript event listeners
// and DOM nodes as it had (Chromium's DOM counters, after a garbage collection). The test waits
// through locators, never `waitForSelector`: the element handle that returns would itself keep
// a removed view's whole tree alive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, appReady, assertClean } from './harness.mjs';

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

async function counters(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await page.waitForTimeout(50);
  await cdp.send('HeapProfiler.collectGarbage');
  return cdp.send('Memory.getDOMCounters');
}

for (const other of ['formats', 'plots', 'memory', 'train']) {
  test(`walking Learn → ${other} → Learn twenty times leaves no listener and no node behind`, async () => {
    const { page, context, problems } = await openPage(browser, site.origin, { viewport: { width: 1280, height: 800 } });
    const cdp = await context.newCDPSession(page);
    await page.goto(site.url('?view=learn'));
    await appReady(page);
    const walk = async () => {
      await page.click(`[data-testid=nav-${other}]`);
      await page.locator(`[data-testid=view][data-view=${other}] h1`).waitFor();
      await appReady(page);
      await page.click('[data-testid=nav-learn]');
      await page.locator('[data-testid=view][data-view=learn] h1').waitFor();
      await appReady(page);
    };
    // One walk first: parts downloaded once stay (their code, not their listeners).
    await walk();
    const start = await counters(page, cdp);
    for (let i = 0; i < 20; i++) await walk();
    const end = await counters(page, cdp);
    assert.ok(end.jsEventListeners - start.jsEventListeners <= 2,
      `listeners ${start.jsEventListeners} → ${end.jsEventListeners} after 20 walks`);
    assert.ok(end.nodes - start.nodes <= 20, `DOM nodes ${start.nodes} → ${end.nodes}`);
    assertClean(problems);
    await context.close();
  });
}
