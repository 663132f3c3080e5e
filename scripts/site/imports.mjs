// Short names for the main module's imports. wasm-bindgen names each import of its JS glue after
// the function and a hash of its signature (`__wbg_appendChild_8204974b43e5c2e8`); the main
// module lists about three hundred of them and the glue defines each once, so every page carries
// the names twice, and their hashes do not compress. Renaming both sides to short names changes
// nothing but the bytes.

const LEB = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/// A short identifier for the `i`-th import (`$a`, `$b`, ... `$Z`, `$aa`, ...): the `$` keeps it
/// clear of JS's reserved words and of the glue's own property names (checked by the caller).
function shortName(i) {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  do {
    s = letters[i % 52] + s;
    i = Math.floor(i / 52) - 1;
  } while (i >= 0);
  return `$${s}`;
}

/// Renames the function imports of module `jsModule` in `wasm` that `js` defines exactly once as
/// an object property (`name:`), in both. Returns `{ wasm, js, renamed }`; throws if the module is
/// not what it expects, so a changed wasm-bindgen fails the build instead of breaking the page.
export function shortenImports(wasm, js, jsModule) {
  let p = 8;
  const u32 = () => {
    let r = 0;
    let s = 0;
    let b;
    do {
      b = wasm[p++];
      r |= (b & 0x7f) << s;
      s += 7;
    } while (b & 0x80);
    return r >>> 0;
  };
  const text = (start, end) => Buffer.from(wasm.subarray(start, end)).toString('utf8');
  const sections = [];
  let imports;
  while (p < wasm.length) {
    const start = p;
    const id = wasm[p++];
    const size = u32();
    const body = p;
    p += size;
    sections.push({ id, start, body, end: p });
    if (id === 2) imports = sections.at(-1);
  }
  if (p !== wasm.length || !imports) throw new Error('imports: no import section');
  p = imports.body;
  const count = u32();
  const entries = [];
  let renamed = 0;
  for (let i = 0; i < count; i += 1) {
    const moduleLength = u32();
    const moduleName = text(p, p + moduleLength);
    const moduleBytes = wasm.subarray(p - LEB(moduleLength).length, p + moduleLength);
    p += moduleLength;
    const nameLength = u32();
    const name = text(p, p + nameLength);
    p += nameLength;
    const descStart = p;
    const kind = wasm[p++];
    if (kind === 0) u32();
    else if (kind === 1) { p += 1; const flags = wasm[p++]; u32(); if (flags & 1) u32(); }
    else if (kind === 2) { const flags = wasm[p++]; u32(); if (flags & 1) u32(); }
    else if (kind === 3) p += 2;
    else throw new Error(`imports: unknown import kind ${kind}`);
    let newName = name;
    if (kind === 0 && moduleName === jsModule) {
      const uses = js.split(name).length - 1;
      const key = new RegExp(`[{,]${name.replace(/\$/g, '\\$')}:`);
      if (uses === 1 && key.test(js)) {
        newName = shortName(renamed);
        if (js.includes(`${newName}:`)) throw new Error(`imports: ${newName} is already a property`);
        js = js.replace(key, (m) => `${m[0]}${newName}:`);
        renamed += 1;
      }
    }
    const nameBytes = Buffer.from(newName, 'utf8');
    entries.push(Buffer.concat([moduleBytes, Buffer.from(LEB(nameBytes.length)), nameBytes, wasm.subarray(descStart, p)]));
  }
  if (p !== imports.end) throw new Error('imports: the import section did not parse to its end');
  const body = Buffer.concat([Buffer.from(LEB(count)), ...entries]);
  const section = Buffer.concat([Buffer.from([2, ...LEB(body.length)]), body]);
  const out = Buffer.concat([wasm.subarray(0, imports.start), section, wasm.subarray(imports.end)]);
  return { wasm: out, js, renamed };
}
