// Post-build step (scripts/build-site.mjs runs it): computes the SHA-256 of each inline script
// of index.html (the loader) and writes the site's Content Security Policy (1) as a <meta http-equiv> in index.html, so the policy holds on
// any static host, and (2) as `_headers` (the Netlify / Cloudflare Pages format) for hosts that
// can send it as a header. Usage (Trunk sets TRUNK_STAGING_DIR): node scripts/csp.mjs [dir]
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
const file = join(dir, 'index.html');
let html = readFileSync(file, 'utf8');
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
  .map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
export const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self' 'unsafe-inline'",
  // Plots are rasterised to PNG through a data: image, and downloads are data: links.
  "img-src 'self' data:",
  // The Memory view fetches a model's config.json from the Hugging Face Hub when asked to (its
  // only request to another site).
  "connect-src 'self' https://huggingface.co",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');
html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/g, '');
html = html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`);
writeFileSync(file, html);
writeFileSync(join(dir, '_headers'), `/*\n  Content-Security-Policy: ${policy}\n  X-Content-Type-Options: nosniff\n`);
console.log(`[csp] ${hashes.length} inline script hash(es); policy written to index.html and _headers`);
