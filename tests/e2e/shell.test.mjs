// Whole-page tests of the app shell on the release build: every view from its URL, navigation,
// unknown views, themes, phone width, the crash message, and no console errors or foreign requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, appReady, screenshot, assertClean } from './harness.mjs';

const VIEWS = [
  ['learn', 'Learn'],
  ['formats', 'Formats'],
  ['plots', 'Range & precision'],
  ['memory', 'Memory'],
  ['train', 'Trainer'],
];

let site, browser;
before(async () => { site = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await site?.close(); });


for (const [slug, title] of VIEWS) {
  test(`?view=${slug} loads that view`, async () => {
    const { page, context, problems } = await openPage(browser, site.origin);
    await page.goto(site.url(`?view=${slug}`));
    await appReady(page);
    assert.equal(await page.getAttribute('[data-testid=view]', 'data-view'), slug);
    assert.equal(await page.textContent('main h1'), title);
    assert.equal(await page.getAttribute(`[data-testid=nav-${slug}]`, 'aria-current'), 'page');
    assert.equal(await page.locator('[data-testid=url-notice]').count(), 0);
    assert.match(await page.textContent('header'), /Precision Lab/);
    assert.ok((await page.textContent('footer')).length > 20, 'footer has text');
    await screenshot(page, `view-${slug}`);
    assertClean(problems);
    await context.close();
  });
}

test('the bare address shows the default view', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url());
  await appReady(page);
  assert.equal(await page.getAttribute('[data-testid=view]', 'data-view'), 'learn');
  assertClean(problems);
  await context.close();
});

test('navigation changes the view and the URL, and Back returns', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=formats'));
  await appReady(page);
  await page.click('[data-testid=nav-memory]');
  await page.waitForSelector('[data-testid=view][data-view=memory]');
  assert.equal(new URL(page.url()).searchParams.get('view'), 'memory');
  await page.click('[data-testid=nav-train]');
  await page.waitForSelector('[data-testid=view][data-view=train]');
  assert.equal(new URL(page.url()).searchParams.get('view'), 'train');
  await page.goBack();
  await page.waitForSelector('[data-testid=view][data-view=memory]');
  assert.equal(await page.textContent('main h1'), 'Memory');
  // A navigation is a client-side change, not a reload: the app stays mounted.
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1);
  assertClean(problems);
  await context.close();
});

test('every view can be left and come back to, by the menu and by Back, and still works', async () => {
  // Views provide contexts (the editor, the plots' inputs, the theme, inline widgets' state); a
  // view shown again must find its own, not the disposed ones of its last visit.
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=learn'));
  await appReady(page);
  const route = ['formats', 'plots', 'learn', 'memory', 'formats', 'train', 'plots', 'formats'];
  for (const slug of route) {
    await page.click(`[data-testid=nav-${slug}]`);
    await page.waitForSelector(`[data-testid=view][data-view=${slug}]`);
  }
  for (const slug of [...route].reverse().slice(1)) {
    await page.goBack();
    await page.waitForSelector(`[data-testid=view][data-view=${slug}]`);
  }
  // Back on the Formats view: the editor still edits, and the address bar follows it.
  await page.click('[data-testid=nav-formats]');
  await page.waitForSelector('[data-testid=view][data-view=formats]');
  const code = await page.textContent('[data-testid=code-hex]');
  await page.click('[data-testid=bit-0]');
  await page.waitForFunction((old) => document.querySelector('[data-testid=code-hex]').textContent !== old, code);
  const now = await page.textContent('[data-testid=code-hex]');
  await page.waitForFunction((c) => new URLSearchParams(location.search).get('bits') === c, now);
  assertClean(problems);
  await context.close();
});

test('an unknown or hostile view shows the default view with a notice', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  await page.goto(site.url(`?view=${encodeURIComponent(hostile)}`));
  await appReady(page);
  assert.equal(await page.getAttribute('[data-testid=view]', 'data-view'), 'learn');
  const notice = await page.textContent('[data-testid=url-notice]');
  assert.match(notice, /There is no view called/);
  assert.match(notice, /<img src=x/, 'the hostile text is shown as text');
  assert.equal(await page.locator('main img, .notices img, .notices script').count(), 0, 'no markup injected');
  assert.equal(dialogs, 0);
  await page.goto(site.url(`?view=nope&x=${'a'.repeat(10_000)}`));
  await appReady(page);
  assert.equal(await page.locator('[data-testid=url-notice]').count(), 2);
  // The notices sit in a live region: an edit that changes the address does not write them again.
  await page.goto(site.url(`?view=formats&format=fp16&bits=0x3c00&x=${'a'.repeat(10_000)}`));
  await appReady(page);
  await page.evaluate(() => { window.firstNotice = document.querySelector('[data-testid=url-notice]'); });
  await page.click('[data-testid=bit-0]');
  await page.waitForFunction(() => location.search.includes('bits=0x3c01'));
  assert.equal(await page.evaluate(() => window.firstNotice.isConnected), true, 'the notice was not written again');
  assertClean(problems);
  await context.close();
});

test('themes follow prefers-color-scheme', async () => {
  const bg = async (scheme) => {
    const { page, context, problems } = await openPage(browser, site.origin, { colorScheme: scheme });
    await page.goto(site.url('?view=formats'));
    await appReady(page);
    const colour = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await screenshot(page, `theme-${scheme}`);
    assertClean(problems);
    await context.close();
    return colour.match(/\d+/g).slice(0, 3).map(Number);
  };
  const light = await bg('light');
  const dark = await bg('dark');
  const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
  assert.ok(lum(light) > 200, `light background is light: ${light}`);
  assert.ok(lum(dark) < 60, `dark background is dark: ${dark}`);
});

test('every view fits a 375 px phone screen without sideways scrolling', async () => {
  const { page, context, problems } = await openPage(browser, site.origin, { viewport: { width: 375, height: 740 } });
  for (const [slug] of VIEWS) {
    await page.goto(site.url(`?view=${slug}`));
    await appReady(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${slug} is ${width}px wide`);
    await screenshot(page, `phone-${slug}`);
  }
  assertClean(problems);
  await context.close();
});

test('a panic shows a visible message and logs to the console', async () => {
  const { page, context, problems } = await openPage(browser, site.origin);
  await page.goto(site.url('?view=formats&debug=panic'));
  await page.waitForSelector('#crash-banner', { timeout: 30_000 });
  assert.match(await page.textContent('#crash-banner'), /Something went wrong.*Reload/);
  assert.equal(await page.getAttribute('#crash-banner', 'role'), 'alert');
  assert.ok(problems.consoleErrors.some((e) => e.includes('deliberate panic')), 'panic logged to the console');
  await screenshot(page, 'crash');
  await context.close();
});
