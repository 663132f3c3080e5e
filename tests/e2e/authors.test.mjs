// Whole-page tests of what a course author does: the example pages exactly as their instructions
// say (the repository's root served, dist/ and examples/ side by side), a real mdBook build of
// examples/book in its light and dark themes, widgets following their host page's theme,
// widgets that fit a text column and a phone, and the widget reference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, launch, openPage, appReady, screenshot, ROOT, assertClean } from './harness.mjs';

let root, browser;
before(async () => {
  // examples/book's instructions: build the book where book.toml says (examples/book/book).
  execFileSync('mdbook', ['build', 'examples/book'], { cwd: ROOT, stdio: 'inherit' });
  root = await serve(ROOT);
  browser = await launch();
});
after(async () => { await browser?.close(); await root?.close(); });

/// Waits until every Precision Lab frame in the page has its app running, its parts loaded, and
/// its height matched to its content; returns per frame id: height, content height, theme.
async function settledFrames(page, ids) {
  await page.waitForFunction((ids) => ids.every((id) => {
    const frame = document.querySelector(`#${id} iframe`) ?? document.getElementById(id);
    const doc = frame?.contentDocument;
    // A frame that is still navigating has a document without a root element yet: not settled.
    if (!doc?.documentElement || doc.documentElement.dataset.ready !== '1' || doc.querySelector('[data-testid=lazy-loading]')) return false;
    const body = doc.body;
    return Math.abs(parseInt(frame.style.height, 10) - Math.max(body.scrollHeight, body.offsetHeight)) <= 2;
  }), ids, { timeout: 45_000 });
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const frame = document.querySelector(`#${id} iframe`) ?? document.getElementById(id);
    const doc = frame.contentDocument;
    return [id, {
      height: parseInt(frame.style.height, 10),
      theme: doc.documentElement.dataset.theme,
      overflow: doc.documentElement.scrollWidth - doc.documentElement.clientWidth,
    }];
  })), ids);
}

for (const [width, scheme] of [[700, 'light'], [700, 'dark'], [375, 'light'], [375, 'dark']]) {
  test(`examples/embed.html as its instructions say, ${width} px, ${scheme}`, async () => {
    const { page, context, problems } = await openPage(browser, root.origin, { viewport: { width, height: 900 }, colorScheme: scheme });
    await page.goto(root.url('examples/embed.html'));
    const ids = ['editor', 'range', 'facts', 'memory'];
    const frames = await settledFrames(page, ids);
    for (const id of ids) {
      assert.equal(frames[id].theme, scheme, `${id} follows the page (${scheme})`);
      assert.ok(frames[id].overflow <= 0, `${id} fits ${width} px without sideways scrolling`);
      assert.ok(frames[id].height > 150, `${id} shows its content`);
    }
    // The compact forms keep a course note readable.
    assert.ok(frames.editor.height < 900, `the editor embed is ${frames.editor.height} px tall`);
    assert.ok(frames.memory.height < 1300, `the memory embed is ${frames.memory.height} px tall`);
    await screenshot(page, `example-embed-${width}-${scheme}`);
    assertClean(problems);
    await context.close();
  });
}

test('the real mdBook build: widgets render, resize and follow the light and navy themes', async () => {
  const { page, context, problems } = await openPage(browser, root.origin, { viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
  await page.addInitScript(() => localStorage.setItem('mdbook-theme', 'light'));
  await page.goto(root.url('examples/book/book/chapter.html'));
  const ids = ['bf16', 'range', 'memory'];
  let frames = await settledFrames(page, ids);
  for (const id of ids) assert.equal(frames[id].theme, 'light', id);
  await screenshot(page, 'example-book-light');
  // The reader switches mdBook to its dark "navy" theme: the widgets follow.
  await page.click('#theme-toggle');
  await page.click('#navy');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-precision-lab] iframe')]
    .every((f) => f.contentDocument?.documentElement.dataset.theme === 'dark'), null, { timeout: 10_000 });
  frames = await settledFrames(page, ids);
  await screenshot(page, 'example-book-navy');
  assertClean(problems);
  await context.close();
  // And a phone, as a phone reader meets it: the chapter loaded at 375 px, in the navy theme.
  const phone = await openPage(browser, root.origin, { viewport: { width: 375, height: 800 }, colorScheme: 'light' });
  await phone.page.addInitScript(() => localStorage.setItem('mdbook-theme', 'navy'));
  await phone.page.goto(root.url('examples/book/book/chapter.html'));
  frames = await settledFrames(phone.page, ids);
  for (const id of ids) {
    assert.equal(frames[id].theme, 'dark', `${id} follows navy on a phone`);
    assert.ok(frames[id].overflow <= 0, `${id} fits a phone`);
  }
  await screenshot(phone.page, 'example-book-navy-375');
  assertClean(phone.problems);
  await phone.context.close();
});

test('theme=light forces light on a dark page; a plain iframe without embed.js is light', async () => {
  // A plain iframe on a page with no embed.js, for a reader whose system is dark: light.
  const plain = await openPage(browser, root.origin, { colorScheme: 'dark' });
  await plain.page.goto(root.url('dist/?embed=range'));
  await appReady(plain.page);
  assert.equal(await plain.page.getAttribute('html', 'data-theme'), 'light', 'light without a host to follow');
  await plain.context.close();
  // A dark page with embed.js: one widget forced light, one following the page.
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  writeFileSync(join(ROOT, 'test-output', 'host-dark.html'), `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
    <body style="background:#111;color:#eee"><div id="forced" data-precision-lab="range" data-params="theme=light"></div>
    <div id="follow" data-precision-lab="range"></div><script src="../dist/embed.js"></script></body></html>`);
  const { page, context, problems } = await openPage(browser, root.origin, { colorScheme: 'light' });
  await page.goto(root.url('test-output/host-dark.html'));
  let frames = await settledFrames(page, ['forced', 'follow']);
  assert.equal(frames.forced.theme, 'light', 'theme=light wins over the dark page');
  assert.equal(frames.follow.theme, 'dark', 'without theme= the widget follows the page');
  // The page turns light (a theme switcher): the follower follows.
  await page.evaluate(() => { document.body.style.background = '#fff'; });
  await page.waitForFunction(() => document.querySelector('#follow iframe').contentDocument.documentElement.dataset.theme === 'light');
  assertClean(problems);
  await context.close();
});

test('embeds fit a column: facts in a compact set of columns, one click to all; no full-view buttons', async () => {
  const { page, context, problems } = await openPage(browser, root.origin, { viewport: { width: 700, height: 900 } });
  await page.goto(root.url('dist/?embed=facts'));
  await appReady(page);
  assert.equal(await page.getAttribute('[data-testid=facts-table]', 'data-columns'), '6');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
  await page.click('[data-testid=facts-all]');
  assert.equal(await page.getAttribute('[data-testid=facts-table]', 'data-columns'), '15');
  await page.goto(root.url('dist/?embed=facts&cols=max,eps,nope'));
  await appReady(page);
  assert.equal(await page.getAttribute('[data-testid=facts-table]', 'data-columns'), '3');
  assert.match(await page.textContent('[data-testid=url-notice]'), /no column “nope”/);
  // The trainer embed has no Copy link or Embed buttons of its own; its footer links to the view.
  await page.goto(root.url('dist/?embed=trainer'));
  await appReady(page);
  assert.equal(await page.locator('[data-testid=embed-button], .copy-link').count(), 0);
  assert.equal(await page.locator('[data-testid=open-full]').count(), 1);
  // The same-value embed says which value it shows and how it was rounded.
  await page.goto(root.url('dist/?embed=same-value&value=0.1&round=toward-zero'));
  await appReady(page);
  const caption = await page.textContent('[data-testid=same-value-caption]');
  assert.match(caption, /^0\.1 rounded into every format: toward zero/);
  assert.doesNotMatch(caption, /above/);
  // compact=0 gives the full editor.
  await page.goto(root.url('dist/?embed=editor&compact=0'));
  await appReady(page);
  assert.equal(await page.locator('[data-testid=editor-more]').count(), 0);
  await page.goto(root.url('dist/?embed=editor'));
  await appReady(page);
  assert.equal(await page.locator('[data-testid=editor-more]').count(), 1);
  assertClean(problems);
  await context.close();
});

test('the widget reference lists every widget with its parameters and a live preview', async () => {
  const { page, context, problems } = await openPage(browser, root.origin, { viewport: { width: 1100, height: 900 } });
  await page.goto(root.url('dist/?view=embed'));
  await appReady(page);
  const widgets = ['editor', 'same-value', 'facts', 'mx', 'range', 'precision', 'number-line', 'quantize', 'rounding', 'memory', 'trainer'];
  for (const w of widgets) {
    const section = page.locator(`[data-testid=reference-${w}]`);
    assert.equal(await section.count(), 1, w);
    assert.ok(await section.locator('.reference-params dt').count() >= 1, `${w} lists parameters`);
    assert.match(await section.locator(`[data-testid=reference-code-${w}]`).textContent(), new RegExp(`data-precision-lab="${w}"`));
  }
  assert.match(await page.textContent('[data-testid=reference-script]'), /embed\.js/);
  const preview = page.locator('[data-testid=reference-preview-editor]');
  await preview.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('[data-testid=reference-preview-editor]')?.contentDocument?.documentElement.dataset.ready === '1', null, { timeout: 30_000 });
  assertClean(problems);
  await context.close();
});
