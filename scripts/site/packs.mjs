// Groups the modules that wasm-split-cli writes into a few files ("packs"), and writes the link
// module (in place of its `__wasm_split.js`) that loads each module out of its pack.
//
// Why: wasm-split-cli puts the code that a set of split points share into a chunk of its own, one
// per distinct set, so ~20 split points give hundreds of chunks, most under a kilobyte. Fetched
// one by one that is hundreds of requests (over HTTP/1.1, six at a time) and poor compression.
// A pack is the plain concatenation of whole modules; the loader fetches it once and compiles
// each module from its byte range, so the modules, and how they link, are exactly what the
// splitter wrote.

/// Reads the module graph out of `__wasm_split.js` (wasm_split_cli_support 0.2.4's output):
/// `{ splits: { name -> [module file, ...] }, own: { name -> its own module or null },
/// users: { module file -> [split, ...] }, shares: "the main module's exports the modules
/// import", canary: "extra shared imports of a debug build" }`. The first file of a split is its
/// own module when it has one; the others are chunks of code it shares with other splits.
export function parseSplitJs(js) {
  const chunkFile = {};
  for (const m of js.matchAll(/const (__chunk_\d+) = makeLoad\(([\s\S]*?)\n, \[\]\);/g)) {
    const file = m[2].match(/"\.\/([\w.-]+\.wasm)"/);
    chunkFile[m[1]] = file ? file[1] : null; // null: an empty chunk, nothing to fetch
  }
  const splits = {};
  const own = {};
  for (const m of js.matchAll(/export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?), \[([^\]]*)\]\)\);/g)) {
    const file = m[2].match(/"\.\/([\w.-]+\.wasm)"/);
    const deps = m[3].split(',').map((s) => s.trim()).filter(Boolean);
    for (const d of deps) if (!(d in chunkFile)) throw new Error(`packs: unknown chunk ${d}`);
    own[m[1]] = file ? file[1] : null;
    splits[m[1]] = [...(file ? [file[1]] : []), ...deps.map((d) => chunkFile[d]).filter(Boolean)];
  }
  const sharesMatch = js.match(/const \{([^}]*)\} = initSync\(undefined, undefined\);/);
  const canaryMatch = js.match(/sharedImports = \{ __wasm_split: \{([^}]*)\} \};/);
  if (!sharesMatch || !canaryMatch) throw new Error('packs: no shared imports in __wasm_split.js');
  const shares = sharesMatch[1].split(',').map((x) => x.trim()).filter(Boolean);
  const canary = canaryMatch[1].trim();
  if (Object.keys(splits).length === 0) throw new Error('packs: no split loaders found in __wasm_split.js');
  const users = {};
  for (const [split, files] of Object.entries(splits)) {
    for (const f of files) (users[f] ??= []).push(split);
  }
  return { splits, own, users, shares, canary };
}

/// Groups modules into packs. Each split point downloads every pack that holds a module it needs,
/// so merging two groups saves each split point that needs both one request, and makes each that
/// needs only one download the other in vain. A request is taken to be worth `requestBytes` bytes
/// (a round trip's worth of transfer, spread over the browser's parallel connections); the two
/// groups whose merge saves the most are merged, until no merge saves anything. Returns an array
/// of packs, each an array of module file names. `weights` (split -> number, default 1) makes the
/// bytes and requests of some split points count more: the first views that must be light.
export function planPacks({ splits, users }, sizes, { requestBytes = 16384, weights = {} } = {}) {
  const names = Object.keys(splits);
  if (names.length > 30) throw new Error('packs: more than 30 split points; widen the bit sets');
  const bit = Object.fromEntries(names.map((n, i) => [n, 1 << i]));
  const weightOf = new Map(names.map((n) => [bit[n], weights[n] ?? 1]));
  const weigh = (mask) => {
    let w = 0;
    for (let v = mask; v; v &= v - 1) w += weightOf.get(v & -v);
    return w;
  };
  let groups = Object.entries(users).map(([file, who]) => ({
    members: [file],
    mask: who.reduce((m, s) => m | bit[s], 0),
    size: sizes[file] ?? 0,
  }));
  // Bytes downloaded in vain minus requests saved, in bytes: negative means the merge pays.
  const gain = (a, b) => a.size * weigh(b.mask & ~a.mask) + b.size * weigh(a.mask & ~b.mask)
    - requestBytes * weigh(a.mask & b.mask);
  for (;;) {
    let best = null;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const g = gain(groups[i], groups[j]);
        if (best === null || g < best.g) best = { i, j, g };
      }
    }
    if (best === null || best.g >= 0) break;
    const a = groups[best.i];
    const b = groups[best.j];
    groups = groups.filter((_, k) => k !== best.i && k !== best.j);
    groups.push({ members: [...a.members, ...b.members], mask: a.mask | b.mask, size: a.size + b.size });
  }
  return groups.map((g) => g.members.sort());
}

/// Writes the link module that the main module imports its split loaders from (it replaces
/// wasm-split-cli's `__wasm_split.js`, whose protocol it keeps): `__wasm_split_load_<split>`
/// is called by the main module with a table index and a pointer; it instantiates the split's
/// chunks, then its own module, each read from its pack (`whereIs[file] = { pack, offset,
/// length }`) and given the main module's shared exports, and then calls the table entry with
/// the pointer and whether it all worked. A module or pack that failed is forgotten, so Retry
/// starts again; one that worked is never loaded twice. `mainJs` is the import path of the main
/// module's JS, whose `initSync` returns its exports once it runs.
export function linkModule(graph, whereIs, mainJs) {
  const packs = [...new Set(Object.values(whereIs).map((w) => w.pack))].sort();
  // Modules are numbered pack by pack, in their order in the pack: a module's place is then the
  // sum of the lengths before it, and the modules a split point needs are mostly runs of
  // consecutive numbers (the pack step groups modules by who needs them). Both keep this table,
  // which every page downloads, small (6.3 KB gzip when it listed each module's pack, offset and
  // length and each split point's modules one by one).
  const files = Object.keys(whereIs).sort((a, b) => {
    const [x, y] = [whereIs[a], whereIs[b]];
    return packs.indexOf(x.pack) - packs.indexOf(y.pack) || x.offset - y.offset;
  });
  const index = Object.fromEntries(files.map((f, i) => [f, i]));
  const lengths = packs.map((p) => files.filter((f) => whereIs[f].pack === p).map((f) => whereIs[f].length));
  files.forEach((f, i) => {
    const previous = files[i - 1];
    const expected = previous && whereIs[previous].pack === whereIs[f].pack ? whereIs[previous].offset + whereIs[previous].length : 0;
    if (whereIs[f].offset !== expected) throw new Error(`packs: ${f} is not where the lengths before it put it`);
  });
  // "3-7,9": 3, 4, 5, 6, 7 and 9.
  const runs = (numbers) => {
    const sorted = [...numbers].sort((a, b) => a - b);
    const out = [];
    for (let i = 0; i < sorted.length;) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j += 1;
      out.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
      i = j + 1;
    }
    return out.join(',');
  };
  const loaders = Object.entries(graph.splits).map(([split, list]) => {
    const own = graph.own[split];
    const chunks = list.filter((f) => f !== own).map((f) => index[f]);
    return `export const __wasm_split_load_${split} = loader(${JSON.stringify(runs(chunks))}, ${own ? index[own] : -1}, ${JSON.stringify(split)});`;
  });
  return `import { initSync } from ${JSON.stringify(mainJs)};
const packs = ${JSON.stringify(packs)};
// Module i: [pack, byte offset, byte length], from each pack's modules' lengths in order.
const modules = [];
${JSON.stringify(lengths)}.forEach((list, p) => {
  let offset = 0;
  for (const length of list) {
    modules.push([p, offset, length]);
    offset += length;
  }
});
let shared;
function imports() {
  if (shared === undefined) {
    const { ${graph.shares.join(', ')} } = initSync(undefined, undefined);
    shared = { __wasm_split: { ${graph.canary ? `${graph.canary.replace(/,$/, '')}, ` : ''}${graph.shares.join(', ')} } };
  }
  return shared;
}
// Remembers a promise while it is pending or fulfilled; a rejected one is dropped, so the next
// call tries again.
function once(cache, key, start) {
  let promise = cache.get(key);
  if (promise === undefined) {
    promise = start();
    cache.set(key, promise);
    promise.catch(() => { if (cache.get(key) === promise) cache.delete(key); });
  }
  return promise;
}
const fetched = new Map();
const compiled = new Map();
const instantiated = new Map();
function pack(i) {
  return once(fetched, i, () => fetch(new URL("./" + packs[i], import.meta.url)).then((response) => {
    if (!response.ok) throw new Error(packs[i] + ": HTTP " + response.status);
    return response.arrayBuffer();
  }));
}
function compile(m) {
  const [p, offset, length] = modules[m];
  return once(compiled, m, () => pack(p).then((bytes) => WebAssembly.compile(new Uint8Array(bytes, offset, length))));
}
function instantiate(m) {
  return once(instantiated, m, () => compile(m).then((module) => WebAssembly.instantiate(module, imports())));
}
const needs = new Map();
function loader(runs, own, split) {
  const chunks = [];
  for (const run of runs ? runs.split(",") : []) {
    const [first, last = first] = run.split("-").map(Number);
    for (let m = first; m <= last; m += 1) chunks.push(m);
  }
  needs.set(split, own >= 0 ? [...chunks, own] : chunks);
  return async (callback, data) => {
    let ok = true;
    try {
      if (own >= 0) compile(own).catch(() => {});
      await Promise.all(chunks.map(instantiate));
      if (own >= 0) await instantiate(own);
    } catch (error) {
      console.error(error);
      ok = false;
    }
    imports().__wasm_split.__indirect_function_table.get(callback)(data, ok);
  };
}
${loaders.join('\n')}
// Compiles the modules of these split points ahead (compiling needs no instance of the main
// module): the loader calls it while the main module still downloads.
export function precompile(splits) {
  for (const split of splits) for (const m of needs.get(split) ?? []) compile(m).catch(() => {});
}
`;
}
