// Trunk post_build hook (the last): writes `<file>.br` (brotli, quality 11) and `<file>.gz`
// (gzip -9) next to every file of the site over 1 KiB that compresses, for static hosts that
// serve precompressed files (README, "Publish it"). Usage: node scripts/precompress.mjs [dir]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.wasm', '.bin', '.svg', '.json']);
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
  const gz = gzipSync(bytes, { level: 9 });
  if (gz.length < bytes.length) {
    writeFileSync(`${path}.gz`, gz);
    count++;
  }
  if (br.length < bytes.length) writeFileSync(`${path}.br`, br);
}
console.log(`[precompress] .br and .gz for ${count} files`);
