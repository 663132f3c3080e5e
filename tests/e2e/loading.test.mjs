// Whole-page tests of loading in parts (src/ui/lazy.rs, scripts/build-site.mjs): a first view
// fetches only its own parts, other parts load when shown or scrolled near, every view and widget
// works loaded directly and reached by navigation, a failed download shows Retry (and Retry
// works), the boot message tells the truth, and the precompressed files serve the same site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, appReady, assertClean, DIST } from './harness.mjs';

const VIEWS = ['learn', 'formats', 'plots', 'memory', 'train'];
const WIDGETS = ['editor', 'same-value', 'facts', 'mx', 'range', 'precision', 'number-line', 'quantize', 'rounding', 'memory', 'trainer'];
const isPack = (url) => /\/pl-[0-9a-f]{16}\.bin$/.test(new URL(url).pathname);

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });

/// Opens `path` cold and returns the pack files requested before the app was ready, the packs
/// the loader preloaded, and the console warnings.
async function coldFirstView(path) {
  const opened = await openPage(browser, site.origin);
  const { page } = opened;
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(site.url(path));
  await appReady(page, { lazy: true });
  // Requests the page started before it marked itself ready (parts near the screen follow).
  const beforeReady = await page.evaluate(() => {
    const ready = performance.getEntriesByName('app-ready')[0].startTime;
    return [...new Set(performance.getEntriesByType('resource')
      .filter((e) => e.startTime <= ready && /\/pl-[0-9a-f]{16}\.bin$/.test(new URL(e.name).pathname))
      .map((e) => new URL(e.name).pathname.split('/').pop()))];
  });
  const preloaded = await page.evaluate(() => [...document.querySelectorAll('link[rel=preload][as=fetch]')]
    .map((l) => new URL(l.href).pathname.split('/').pop()).filter((f) => f.endsWith('.bin')));
  return { ...opened, beforeReady, preloaded, warnings };
}

for (const path of ['?view=learn', '?view=formats', '?embed=editor', '?view=train']) {
  test(`a cold ${path} downloads the packs the loader preloads, and uses every one`, async () => {
    const { page, context, problems, beforeReady, preloaded, warnings } = await coldFirstView(path);
    assert.ok(preloaded.length > 0, 'the loader preloads the packs of this view');
    assert.deepEqual([...beforeReady].sort(), [...preloaded].sort(), 'before it is ready, the page fetches exactly what was preloaded');
    await page.waitForTimeout(3500); // Chromium warns about an unused preload after 3 s
    assert.deepEqual(warnings.filter((w) => /preload/i.test(w)), [], 'no preload goes unused');
    assertClean(problems);
    await context.close();
  });
}

test('the Learn article downloads an inline widget only when the reader scrolls near it', async () => {
  const { page, context, problems } = await openPage(browser, site.origin, { viewport: { width: 1280, height: 800 } });
  const packs = [];
  page.on('request', (r) => { if (isPack(r.url())) packs.push(r.url()); });
  await page.goto(site.url('?view=learn'));
  await appReady(page, { lazy: true });
  await page.waitForTimeout(500);
  const memory = page.locator('[data-testid=inline-memory]');
  assert.equal(await memory.locator('[data-testid=lazy-waiting]').count(), 1, 'the memory calculator far down the page waits');
  assert.equal(await page.locator('[data-testid=mem-row-weights]').count(), 0);
  const before = packs.length;
  await memory.scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-testid=inline-memory] [data-testid=mem-row-weights]');
  assert.ok(packs.length > before, 'scrolling to it fetched its parts');
  assertClean(problems);
  await context.close();
});

for (const view of VIEWS) {
  test(`?view=${view} works when reached by navigation from another view`, async () => {
    const { page, context, problems } = await openPage(browser, site.origin);
    const from = view === 'learn' ? 'formats' : 'learn';
    await page.goto(site.url(`?view=${from}`));
    await appReady(page);
    await page.click(`[data-testid=nav-${view}]`);
    await page.waitForSelector(`[data-testid=view][data-view=${view}] h1`);
    await page.waitForFunction(() => !document.querySelector('[data-testid=lazy-loading]'));
    assert.equal(await page.locator('[data-testid=lazy-failed]').count(), 0);
    assertClean(problems);
    await context.close();
  });
}

test('every widget works loaded directly', async () => {
  for (const widget of WIDGETS) {
    const { page, context, problems } = await openPage(browser, site.origin);
    await page.goto(site.url(`?embed=${widget}`));
    await appReady(page);
    assert.equal(await page.getAttribute('[data-testid=embed]', 'data-widget'), widget);
    assert.ok((await page.textContent('[data-testid=embed]')).length > 40, `${widget} shows something`);
    assertClean(problems);
    await context.close();
  }
});

test('a view whose download fails says so with Retry, and Retry brings it', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=learn'));
  await appReady(page);
  // The network drops: every pack request fails until it comes back.
  let offline = true;
  await page.route(isPack, (route) => (offline ? route.abort('internetdisconnected') : route.continue()));
  await page.click('[data-testid=nav-train]');
  await page.waitForSelector('[data-testid=lazy-failed]');
  assert.match(await page.textContent('[data-testid=lazy-failed]'), /Could not download the Trainer\. Check the connection/);
  assert.equal(await page.locator('[data-testid=crash-banner], #crash-banner').count(), 0, 'no crash');
  offline = false;
  await page.click('[data-testid=lazy-retry]');
  await page.waitForSelector('[data-testid=view][data-view=train] h1');
  assert.equal(await page.textContent('main h1'), 'Trainer');
  assert.equal(await page.locator('[data-testid=lazy-failed]').count(), 0);
  // The failed requests were the test's doing; nothing else may fail.
  problems.failedRequests = problems.failedRequests.filter((r) => !/pl-[0-9a-f]{16}\.bin/.test(r));
  problems.consoleErrors = problems.consoleErrors.filter((e) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED|pl-[0-9a-f]{16}\.bin/.test(e));
  assertClean(problems);
  await context.close();
});

test('an inline widget whose download fails offers Retry in its place', async () => {
  const { page, context } = await openPage(browser, site.origin);
  let offline = true;
  await page.route(isPack, (route) => (offline ? route.abort('internetdisconnected') : route.continue()));
  await page.goto(site.url('?embed=facts'));
  await page.waitForSelector('[data-testid=lazy-failed]');
  assert.match(await page.textContent('[data-testid=lazy-failed]'), /Could not download/);
  offline = false;
  await page.click('[data-testid=lazy-retry]');
  await page.waitForSelector('[data-testid=facts-fp16]');
  await context.close();
});

test('the boot message tells the truth: progress, then a real error, and WebAssembly only when it is missing', async () => {
  // The main module cannot be downloaded: the message names the failure, not WebAssembly.
  {
    const { page, context } = await openPage(browser, site.origin);
    await page.route((url) => /_bg\.wasm$/.test(new URL(url).pathname), (route) => route.fulfill({ status: 503, body: 'down' }));
    await page.goto(site.url('?view=learn'));
    await page.waitForSelector('#boot[role=alert]');
    const text = await page.textContent('#boot');
    assert.match(text, /could not be downloaded .*503.*reload/i);
    assert.doesNotMatch(text, /WebAssembly/);
    await context.close();
  }
  // No WebAssembly at all: said at once.
  {
    const { page, context } = await openPage(browser, site.origin);
    await page.addInitScript(() => { delete globalThis.WebAssembly; });
    await page.goto(site.url('?view=learn'));
    await page.waitForSelector('#boot[role=alert]');
    assert.match(await page.textContent('#boot'), /no WebAssembly/);
    await context.close();
  }
  // While it loads, it says so (with a percentage once bytes arrive); then it is gone.
  {
    const { page, context, problems } = await openPage(browser, site.origin);
    let release;
    const held = new Promise((ok) => { release = ok; });
    await page.route((url) => /_bg\.wasm$/.test(new URL(url).pathname), async (route) => { await held; await route.continue(); });
    await page.goto(site.url('?view=learn'));
    assert.match(await page.textContent('#boot'), /^Loading Precision Lab…/);
    release();
    await appReady(page);
    assert.equal(await page.locator('#boot').count(), 0);
    assertClean(problems);
    await context.close();
  }
});

test('the precompressed .br and .gz files serve the same site', async () => {
  for (const encoding of ['br', 'gzip']) {
    const compressed = await serve(DIST, { encoding });
    const { page, context, problems } = await openPage(browser, compressed.origin);
    const encodings = new Set();
    page.on('response', (r) => { if (/\.(wasm|bin|js)$/.test(new URL(r.url()).pathname)) encodings.add(r.headers()['content-encoding']); });
    await page.goto(compressed.url('?view=formats&format=bf16&value=1'));
    await appReady(page);
    assert.equal(await page.textContent('[data-testid=code-hex]'), '0x3f80');
    assert.deepEqual([...encodings], [encoding], `every wasm, pack and script came ${encoding}-encoded`);
    assertClean(problems);
    await context.close();
    await compressed.close();
  }
});
