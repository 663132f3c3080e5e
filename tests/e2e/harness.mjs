// Shared harness for the whole-page tests and the site benchmark: a static file server for
// dist/ on 127.0.0.1 and a headless Chromium (Debian's, driven by playwright-core).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, extname, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
};

/// Serves `dir` on 127.0.0.1 at a free port. `headers` are added to every response (e.g. a CSP);
/// `prefix` mounts the site under a sub-path; `encoding` ('br' or 'gzip') serves the build's
/// precompressed copy of a file (`<file>.br`, `<file>.gz`) where there is one and the browser
/// accepts it, as static hosts do. `served` lists every path served. Returns { origin, url(path),
/// served, close() }.
export async function serve(dir = DIST, { headers = {}, prefix = '/', encoding = null } = {}) {
  const served = [];
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (!path.startsWith(prefix)) { res.writeHead(404).end('not found'); return; }
      path = '/' + path.slice(prefix.length);
      let file = normalize(join(dir, path));
      if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const suffix = { br: '.br', gzip: '.gz' }[encoding];
      const compressed = suffix && (req.headers['accept-encoding'] ?? '').includes(encoding)
        ? await readFile(file + suffix).catch(() => null) : null;
      const body = compressed ?? await readFile(file);
      served.push(path);
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-store',
        ...(compressed ? { 'content-encoding': encoding, vary: 'accept-encoding' } : {}),
        ...headers,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (path = '') => origin + prefix + path,
    served,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/// Launches headless Chromium. Playwright makes a fresh profile directory for each launch.
export async function launch({ extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}

/// A new page that records console errors, page errors and every request that leaves `origin`.
export async function openPage(browser, origin, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], foreignRequests: [], failedRequests: [] };
  page.on('console', (m) => { if (m.type() === 'error') problems.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.foreignRequests.push(u);
  });
  // A request the page itself abandoned (a navigation started before the favicon arrived) is not a
  // failure of the site; anything else is. Missing files show up as >= 400 responses below.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.failedRequests.push(`${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.failedRequests.push(`${r.status()} ${r.url()}`); });
  return { page, context, problems };
}

/// The page stayed clean: no console error, no uncaught error, no request that left its origin
/// and no failed request (`openPage` records them).
export function assertClean(problems) {
  assert.deepEqual(problems.consoleErrors, [], 'console errors');
  assert.deepEqual(problems.pageErrors, [], 'uncaught page errors');
  assert.deepEqual(problems.foreignRequests, [], 'requests that left the origin');
  assert.deepEqual(problems.failedRequests, [], 'failed requests');
}

/// A new page (as `openPage`) at `path` of the served `site`, once the app has mounted and every
/// part that loads when scrolled near has loaded (`loadAllParts`; `{ lazy: true }` skips that,
/// for the tests of loading itself).
export async function openApp(browser, site, path, { lazy = false, ...options } = {}) {
  const opened = await openPage(browser, site.origin, options);
  await opened.page.goto(site.url(path));
  await appReady(opened.page, { lazy });
  return opened;
}

/// Scrolls through the page until every part that loads when scrolled near (src/ui/lazy.rs) has
/// been asked for, waits until all have arrived, and scrolls back to the top.
export async function loadAllParts(page) {
  const waiting = page.locator('[data-testid=lazy-waiting]');
  for (let i = 0; i < 200 && (await waiting.count()) > 0; i++) {
    // The placeholder counted may load (and go) before the scroll reaches it: then the next
    // round takes the next one, rather than waiting for this one to come back.
    await waiting.first().scrollIntoViewIfNeeded({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(20);
  }
  await page.waitForFunction(
    () => !document.querySelector('[data-testid=lazy-waiting], [data-testid=lazy-loading]'),
    null, { timeout: 30_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
}

/// Waits until the app has mounted (the shell marks <html data-ready>) and, unless `lazy`, every
/// part of the page has loaded (`loadAllParts`).
export async function appReady(page, { lazy = false } = {}) {
  await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 30_000 });
  if (!lazy) await loadAllParts(page);
}

/// Resolves once the page has painted twice and run a task after that: whatever the app queued
/// for "after the next paint" (side plots, address-bar writes) has run by then.
export async function afterPaint(page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
