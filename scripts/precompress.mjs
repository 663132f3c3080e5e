// Trunk post_build hook (the last): writes `<file>.br` (brotli, quality 11) and `<file>.gz` next to
// every file of the site over 1 KiB that compresses, for static hosts that serve precompressed
// files (README, "Publish it"). The release build's `.gz` files come from zopfli (Google's
// exhaustive DEFLATE encoder, through @gfx/zopfli's WebAssembly build: 15 iterations, about 6%
// smaller than gzip -9 for the same decoder, docs/benchmarks.md); other builds use zlib's -9.
// Usage: node scripts/precompress.mjs [dir]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { gzip as zopfli } from '@gfx/zopfli';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
const release = (process.env.TRUNK_PROFILE ?? 'release') !== 'debug';
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.wasm', '.bin', '.svg', '.json']);

const gzipOf = (bytes) => (release
  ? new Promise((ok, fail) => zopfli(bytes, { numiterations: 15 }, (error, out) => (error ? fail(error) : ok(out))))
  : Promise.resolve(gzipSync(bytes, { level: 9 })));

let count = 0;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!statSync(path).isFile() || !COMPRESSIBLE.has(extname(name))) continue;
  const bytes = readFileSync(path);
  if (bytes.length < 1024) continue;
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gz = await gzipOf(bytes);
  if (gz.length < bytes.length) {
    writeFileSync(`${path}.gz`, gz);
    count++;
  }
  if (br.length < bytes.length) writeFileSync(`${path}.br`, br);
}
console.log(`[precompress] .br and .gz for ${count} files${release ? ' (gzip by zopfli)' : ''}`);
