// Whole-page tests of embedding and deployment: every widget alone, a sub-path deploy, the
// Content Security Policy, and hostile parameters (the example pages: authors.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, openPage, appReady, screenshot, DIST, assertClean } from './harness.mjs';

const WIDGETS = ['editor', 'same-value', 'facts', 'mx', 'range', 'precision', 'number-line', 'quantize', 'rounding', 'memory', 'trainer'];
let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });


test('every widget embeds alone, with a link back to its full view', async () => {
  const { page, context, problems } = await openPage(browser, site.origin, { viewport: { width: 320, height: 700 } });
  for (const widget of WIDGETS) {
    await page.goto(site.url(`?embed=${widget}&format=fp16&value=0.1`));
    await appReady(page);
    assert.equal(await page.getAttribute('[data-testid=embed]', 'data-widget'), widget);
    assert.equal(await page.locator('.site-header, .site-nav, .site-footer').count(), 0, `${widget}: no site chrome`);
    const href = await page.getAttribute('[data-testid=open-full]', 'href');
    const back = new URLSearchParams(href.slice(1));
    assert.ok(['formats', 'plots', 'memory', 'train'].includes(back.get('view')), `${widget}: ${href}`);
    assert.equal(back.get('embed'), null);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `${widget} fits 320 px (${width})`);
  }
  await page.goto(site.url('?embed=editor&format=fp16&value=0.1'));
  await appReady(page);
  assert.equal(await page.textContent('[data-testid=code-hex]'), '0x2e66');
  await screenshot(page, 'embed-editor-320');
  assertClean(problems);
  await context.close();
});

test('theme=dark and theme=light force the theme; unknown widgets and hostile values are notices', async () => {
  const { page, context, problems } = await openPage(browser, site.origin, { colorScheme: 'light' });
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  await page.goto(site.url('?embed=range&theme=dark'));
  await appReady(page);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number));
  assert.ok(bg[0] + bg[1] + bg[2] < 150, `dark background ${bg}`);
  await page.goto(site.url(`?embed=${encodeURIComponent('<img src=x onerror=alert(1)>')}&theme=${encodeURIComponent('"><script>alert(2)</script>')}&value=${'1'.repeat(10_000)}`));
  await appReady(page);
  const notices = (await page.locator('[data-testid=url-notice]').allTextContents()).join('\n');
  assert.match(notices, /no widget called/);
  assert.match(notices, /longer than/);
  assert.equal(await page.getAttribute('[data-testid=embed]', 'data-widget'), 'editor', 'falls back to the editor');
  assert.equal(await page.locator('[data-testid=embed] img, [data-testid=embed] script').count(), 0);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light', 'an unreadable theme: an embed is light');
  assert.equal(dialogs, 0);
  assertClean(problems);
  await context.close();
});

test('the Embed button writes the iframe snippet for the current state', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=formats&format=bf16&bits=0x3f80'));
  await appReady(page);
  await page.click('[data-testid=embed-button]');
  const code = await page.inputValue('[data-testid=embed-code]');
  assert.match(code, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed=editor&amp;format=bf16&amp;bits=0x3f80"/);
  assert.match(code, /<script src="http:\/\/127\.0\.0\.1:\d+\/embed\.js" async><\/script>/);
  assert.doesNotMatch(code, /theme=/, 'the embed follows its host page\'s theme');
  assert.equal(await page.getAttribute('[data-testid=embed-reference]', 'href'), '?view=embed');
  await page.selectOption('[data-testid=embed-widget]', 'same-value');
  assert.match(await page.inputValue('[data-testid=embed-code]'), /embed=same-value/);
  // The code follows the state while the panel is open (the panel covers the bits, so the click
  // is dispatched): bf16 0x3f80 is 1; its lowest bit makes 0x3f81.
  await page.dispatchEvent('[data-testid=bit-0]', 'click');
  assert.match(await page.inputValue('[data-testid=embed-code]'), /embed=same-value&amp;format=bf16&amp;bits=0x3f81"/);
  await page.click('[data-testid=embed-button]');
  assert.equal(await page.locator('[data-testid=embed-panel]').count(), 0, 'a second click closes the panel');
  assert.equal(await page.getAttribute('[data-testid=embed-button]', 'aria-expanded'), 'false');
  for (const view of ['plots', 'memory', 'train']) {
    await page.goto(site.url(`?view=${view}`));
    await appReady(page);
    await page.click('[data-testid=embed-button]');
    assert.match(await page.inputValue('[data-testid=embed-code]'), /\?embed=/);
  }
  assertClean(problems);
  await context.close();
});

test('Copy link and Copy embed code put the address and the code on the clipboard', async () => {
  const { page, context, problems } = await openPage(browser, site.origin, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.goto(site.url('?view=formats&format=fp16&bits=0x3c00'));
  await appReady(page);
  await page.click('[data-testid=bit-0]');
  await page.click('[data-testid=copy-link]');
  await page.waitForFunction(() => document.querySelector('[data-testid=copy-status]').textContent === 'Link copied.');
  // The edit made just before the click is in the copied address.
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), site.url('?view=formats&format=fp16&bits=0x3c01'));
  await page.click('[data-testid=embed-button]');
  await page.click('[data-testid=embed-copy]');
  await page.waitForFunction(() => document.querySelector('[data-testid=embed-status]').textContent === 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.inputValue('[data-testid=embed-code]'));
  assertClean(problems);
  await context.close();
});

test('without a clipboard API (a page served over plain HTTP) the copy buttons say so', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
  await page.goto(site.url('?view=formats'));
  await appReady(page);
  await page.click('[data-testid=copy-link]');
  assert.equal(await page.textContent('[data-testid=copy-status]'), 'Could not copy: copy the address bar instead.');
  await page.click('[data-testid=embed-button]');
  await page.click('[data-testid=embed-copy]');
  assert.equal(await page.textContent('[data-testid=embed-status]'), 'Select the code and copy it.');
  assert.equal(await page.locator('[data-testid=editor-widget]').count(), 1, 'the page goes on');
  assertClean(problems);
  await context.close();
});

test('the site works from a sub-path', async () => {
  const server = await serve(DIST, { prefix: '/any/sub/path/' });
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(server.url('?view=formats&format=fp16&value=1'));
  await appReady(page);
  assert.equal(await page.textContent('[data-testid=code-hex]'), '0x3c00');
  await page.click('[data-testid=nav-memory]');
  await page.waitForSelector('[data-testid=view][data-view=memory]');
  assert.equal(new URL(page.url()).pathname, '/any/sub/path/');
  assertClean(problems);
  await context.close();
  await server.close();
});

test('the site runs under a strict Content Security Policy', async () => {
  const headers = readFileSync(join(DIST, '_headers'), 'utf8');
  const policy = headers.match(/Content-Security-Policy: (.*)/)[1];
  assert.match(policy, /default-src 'self'/);
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
  const scriptSrc = policy.split(';').map((d) => d.trim().split(/\s+/)).find((d) => d[0] === 'script-src');
  assert.ok(!scriptSrc.includes("'unsafe-inline'") && !scriptSrc.includes("'unsafe-eval'"), scriptSrc.join(' '));
  assert.match(readFileSync(join(DIST, 'index.html'), 'utf8'), /<meta http-equiv="Content-Security-Policy"/);
  const server = await serve(DIST, { headers: { 'content-security-policy': policy } });
  const { page, context, problems } = await openPage(browser, server.origin);
  for (const path of ['?view=formats', '?view=plots', '?view=memory', '?view=train', '?embed=range']) {
    await page.goto(server.url(path));
    await appReady(page);
  }
  assertClean(problems);
  await context.close();
  await server.close();
});

test('without JavaScript the page says what it needs', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(site.url());
  const text = await page.textContent('body');
  assert.match(text, /needs JavaScript and WebAssembly/);
  await context.close();
});
