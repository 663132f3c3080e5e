// Trunk post_build hook: builds the app's WebAssembly in parts, so a page downloads only what it
// shows (ARCHITECTURE.md, "Loading in parts"). Trunk itself builds no Rust (index.html marks its
// rust link `data-trunk-skip`): Trunk 0.21 cannot split a module, and the split has to happen
// between the linker and wasm-bindgen.
//
//   1. cargo build --features split (the linker keeps relocations: .cargo/config.toml)
//   2. wasm-split-cli: one main module, one module per split point (`src/ui/lazy.rs`'s `part!`),
//      and chunks for the code that several split points share, plus `__wasm_split.js`, the JS
//      that fetches and instantiates them
//   3. wasm-bindgen on the main module; wasm-opt -Oz on every module
//   4. packs: chunks are small and many (hundreds), so they are grouped into a few files
//      (`scripts/site/packs.mjs`), and the link module that replaces `__wasm_split.js` reads
//      each module out of its pack
//   5. one minified JS module (esbuild), the imports' names shortened in it and in the main
//      module (`scripts/site/imports.mjs`), content-hashed names, the stylesheets (the light
//      views' inline, the other views' in one file), and the
//      loader (`scripts/site/loader.mjs`) in index.html: it preloads what the address's view
//      needs, shows download progress and real errors
//   6. the Content Security Policy (scripts/csp.mjs, which pins the loader by hash), then
//      precompressed copies of the large files (scripts/precompress.mjs)
//
// Usage: Trunk sets TRUNK_STAGING_DIR and TRUNK_PROFILE; `node scripts/build-site.mjs [dir]`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { optimizeAll } from './site/optimize.mjs';
import { shortenImports } from './site/imports.mjs';
import { planPacks, linkModule, parseSplitJs } from './site/packs.mjs';
import { loaderHtml, ENTRIES, WEIGHTS, REQUEST_BYTES } from './site/loader.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const staging = resolve(process.argv[2] || process.env.TRUNK_STAGING_DIR || join(ROOT, 'dist'));
const release = (process.env.TRUNK_PROFILE ?? 'release') !== 'debug';
const work = join(ROOT, 'target', 'site-build');
const log = (...args) => console.log('[build-site]', ...args);
const started = Date.now();

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...options });
}

const hash = (...buffers) => {
  const h = createHash('sha256');
  for (const b of buffers) h.update(b);
  return h.digest('hex').slice(0, 16);
};

// 1. The Rust build.
log(`cargo build (${release ? 'release' : 'debug'}, feature split)`);
run('cargo', ['build', '--locked', '--target', 'wasm32-unknown-unknown', '--features', 'split', '--bin', 'precision-lab',
  ...(release ? ['--release'] : [])]);
const linked = join(ROOT, 'target', 'wasm32-unknown-unknown', release ? 'release' : 'debug', 'precision-lab.wasm');

// 2. The split.
rmSync(work, { recursive: true, force: true });
const splitDir = join(work, 'split');
const bindgenDir = join(work, 'bindgen');
const optDir = join(work, 'opt');
for (const d of [splitDir, bindgenDir, optDir]) mkdirSync(d, { recursive: true });
log('wasm-split-cli');
run('wasm-split-cli', [linked, splitDir]);

// 3. wasm-bindgen on the main module, wasm-opt on every module.
log('wasm-bindgen');
run('wasm-bindgen', [join(splitDir, 'main.wasm'), '--out-dir', bindgenDir, '--out-name', 'main', '--target', 'web',
  '--keep-lld-exports', '--no-demangle', '--no-typescript']);
const modules = readdirSync(splitDir).filter((f) => f.endsWith('.wasm') && f !== 'main.wasm');
// Leptos brings `server_fn`, which brings `wasm-streams`, whose Rust-to-JS stream classes
// wasm-bindgen exports from every module that links it; nothing here makes a stream of Rust
// values, so their exports go, and the code only they reach (1.4 KB gzip on every page).
const UNUSED_EXPORTS = '^(__wbg_)?intounderlying(source|bytesource|sink)_';
const pairs = [[join(bindgenDir, 'main_bg.wasm'), join(optDir, 'main_bg.wasm'), UNUSED_EXPORTS],
  ...modules.map((f) => [join(splitDir, f), join(optDir, f)])];
log(`wasm-opt -Oz on ${pairs.length} modules`);
if (release) {
  await optimizeAll(pairs, cpus().length);
} else {
  for (const [from, to] of pairs) copyFileSync(from, to);
}

// 4. Packs.
const splitJs = readFileSync(join(splitDir, '__wasm_split.js'), 'utf8');
const graph = parseSplitJs(splitJs);
const sizes = Object.fromEntries(modules.map((f) => [f, readFileSync(join(optDir, f)).length]));
// The landing page, the Formats view and the editor widget (the one course notes embed most)
// must be light: their bytes and requests count more in the grouping (WEIGHTS).
const weights = Object.fromEntries(Object.entries(WEIGHTS)
  .flatMap(([entry, weight]) => ENTRIES[entry].map((split) => [split, weight])));
const packs = planPacks(graph, sizes, { weights, requestBytes: REQUEST_BYTES });
const packFiles = new Map(); // pack index -> { name, index: { module -> [offset, length] } }
for (const [i, members] of packs.entries()) {
  const parts = members.map((m) => readFileSync(join(optDir, m)));
  const bytes = Buffer.concat(parts);
  const name = `pl-${hash(bytes)}.bin`;
  const index = {};
  let offset = 0;
  members.forEach((m, j) => { index[m] = [offset, parts[j].length]; offset += parts[j].length; });
  writeFileSync(join(staging, name), bytes);
  packFiles.set(i, { name, index, bytes: bytes.length });
}
const whereIs = {};
for (const { name, index } of packFiles.values()) {
  for (const [module, [offset, length]] of Object.entries(index)) whereIs[module] = { pack: name, offset, length };
}

// 5. One JS module (wasm-bindgen's glue and the link module import each other: bundled, one
// request), minified (the glue is written to be read: 70 KB), and content-hashed names.
writeFileSync(join(bindgenDir, '__wasm_split.js'), linkModule(graph, whereIs, './main.js'));
const bundle = await build({
  // wasm-bindgen's module, and the link module's `precompile` for the loader.
  stdin: {
    contents: "export * from './main.js';\nexport { default } from './main.js';\nexport { precompile } from './__wasm_split.js';",
    resolveDir: bindgenDir,
    sourcefile: 'entry.js',
  },
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: release,
  write: false,
  logLevel: 'warning',
  // wasm-bindgen's glue names the link module once per split point in one object literal (the
  // same namespace each time), which esbuild rightly calls a duplicate key.
  logOverride: { 'duplicate-object-key': 'silent' },
});
// The imports' names, short in both files (scripts/site/imports.mjs: 9 KB gzip on every page).
const shortened = shortenImports(readFileSync(join(optDir, 'main_bg.wasm')), bundle.outputFiles[0].text, './main_bg.js');
if (shortened.renamed < 100) throw new Error(`build-site: only ${shortened.renamed} imports renamed (has wasm-bindgen's glue changed?)`);
const appJs = Buffer.from(shortened.js);
const mainWasm = shortened.wasm;
const h = hash(appJs, mainWasm);
const names = { js: `precision-lab-${h}.js`, wasm: `precision-lab-${h}_bg.wasm` };
writeFileSync(join(staging, names.js), appJs);
writeFileSync(join(staging, names.wasm), mainWasm);

// The tensor view's workers run the app's own files (src/ui/tensor/workers.rs): this module
// starts the app in a worker (which mounts nothing there) and measures each part it is sent, the
// file's bytes read in the worker. Named by its content, which names the app's files.
const workerJs = `import init, { measureTensorPart } from "./${names.js}";
// An empty request brings in the tensor view's module before the first part arrives.
const ready = init({ module_or_path: new URL("./${names.wasm}", import.meta.url) })
  .then(() => new Promise((done) => measureTensorPart(new Float64Array(0), new Uint8Array(0), done)));
// A first pass's bytes, kept for the second (by their place in the file), for one run.
let run;
const kept = new Map();
// A part's bytes: kept from the first pass, or read from the file.
function read(file, start, end) {
  const bytes = kept.get(start);
  if (bytes) {
    kept.delete(start);
    return Promise.resolve(bytes);
  }
  return file.slice(start, end).arrayBuffer().then((buffer) => new Uint8Array(buffer));
}
// One pass's parts for this worker: each measured in turn, the next read meanwhile.
onmessage = async ({ data }) => {
  const { slot, file, keep, ranges, requests } = data;
  if (data.run !== run) {
    run = data.run;
    kept.clear();
  }
  const count = ranges.length / 2;
  const reading = (i) => {
    const bytes = read(file, ranges[2 * i], ranges[2 * i + 1]);
    bytes.catch(() => {}); // awaited in turn; a failure is reported then
    return bytes;
  };
  try {
    await ready;
    let next = count > 0 ? reading(0) : undefined;
    for (let part = 0; part < count; part += 1) {
      const bytes = await next;
      next = part + 1 < count ? reading(part + 1) : undefined;
      if (keep) kept.set(ranges[2 * part], bytes);
      // Six numbers a request (src/tensor/parts.rs, PartRequest::to_numbers).
      const request = requests.subarray(6 * part, 6 * part + 6);
      const out = await new Promise((done) => measureTensorPart(request, bytes, done));
      if (typeof out === "string") throw new Error(out);
      postMessage({ slot, part, out }, [out.buffer]);
    }
  } catch (error) {
    postMessage({ slot, error: String(error && error.message ? error.message : error) });
  }
};
`;
names.worker = `tensor-worker-${hash(workerJs)}.js`;
writeFileSync(join(staging, names.worker), workerJs);

// The packs each entry (view or widget) needs first, for the loader to preload.
const packsOfSplit = (split) => {
  const modulesOfSplit = graph.splits[split];
  if (!modulesOfSplit) throw new Error(`build-site: no split point named ${split} (src/ui/lazy.rs part!)`);
  return [...new Set(modulesOfSplit.filter((m) => whereIs[m]).map((m) => whereIs[m].pack))];
};
const preload = Object.fromEntries(Object.entries(ENTRIES).map(([entry, splits]) => [entry, [...new Set(splits.flatMap(packsOfSplit))]]));
const indexPath = join(staging, 'index.html');
let html = readFileSync(indexPath, 'utf8');

// The stylesheets. Trunk writes one file per style/*.css (one concern each, for us): seven
// render-blocking requests for 8 KB. What the light first views show (the page's frame, the
// shell and the Formats view's editor: base, shell, formats, the first three) goes inline, in
// the page, at no request; the other views' sheets go in one file, in the same order after it,
// which the loader links at once where the address shows one of those views and after the app
// is ready everywhere else (2.7 KB gzip less on the editor widget's and Formats' first views).
// Minified (esbuild: comments and whitespace out, colours and numbers shortened). Our sheets
// keep their meaning: no rule depends on order esbuild would change.
const INLINE_SHEETS = 3;
const sheets = [...html.matchAll(/\s*<link rel="stylesheet" href="\.\/([\w.-]+\.css)"[^>]*\/>/g)];
if (sheets.length <= INLINE_SHEETS) throw new Error('build-site: fewer stylesheets in index.html than expected');
const minified = async (list) => (await transform(list.map((m) => readFileSync(join(staging, m[1]), 'utf8')).join('\n'),
  { loader: 'css', minify: true })).code;
const css = await minified(sheets.slice(0, INLINE_SHEETS));
const viewsCss = await minified(sheets.slice(INLINE_SHEETS));
names.css = `views-${hash(viewsCss)}.css`;
writeFileSync(join(staging, names.css), viewsCss);
for (const m of sheets) rmSync(join(staging, m[1]));
html = html.replace(sheets[0][0], `\n    <style>\n${css}\n    </style>`);
for (const m of sheets.slice(1)) html = html.replace(m[0], '');
const loader = loaderHtml({ names, preload, mainWasmBytes: mainWasm.length });
html = html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n${loader.early}`);
html = html.replace('</head>', `${loader.late}\n  </head>`);
if (!html.includes(loader.early) || !html.includes(loader.late)) throw new Error('build-site: index.html lacks <meta charset> or </head>');
writeFileSync(indexPath, html);

// 6. The policy that pins the loader, then precompressed copies of everything final.
run('node', [join(ROOT, 'scripts', 'csp.mjs'), staging]);
run('node', [join(ROOT, 'scripts', 'precompress.mjs'), staging]);

// A summary: what each entry downloads first.
const packBytes = Object.fromEntries([...packFiles.values()].map((p) => [p.name, p.bytes]));
log(`${modules.length} modules in ${packs.length} packs; main module ${(mainWasm.length / 1024).toFixed(1)} KiB`);
for (const [entry, list] of Object.entries(preload)) {
  const bytes = list.reduce((a, p) => a + packBytes[p], 0);
  log(`  ${entry}: ${list.length} pack(s), ${(bytes / 1024).toFixed(1)} KiB raw`);
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
