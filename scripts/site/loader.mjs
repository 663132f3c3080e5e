// The loader that scripts/build-site.mjs writes into index.html: preloads what the address asks
// for, starts the app, and keeps the boot message true (progress while downloading, the real
// error if loading fails, a hint about WebAssembly only when it is missing or after a long wait).

/// What each address shows first: the split points (`part!` modules in src/ui) whose packs the
/// loader preloads, in parallel with the main module. `view:<slug>` for `?view=`, `embed:<slug>`
/// for `?embed=`. An unknown view shows Learn, an unknown widget the editor (src/ui/shell.rs,
/// src/ui/embed.rs). The whole-page tests check that a cold first view fetches nothing else.
export const ENTRIES = {
  'view:learn': ['view_learn'],
  'view:formats': ['view_formats'],
  'view:plots': ['view_plots'],
  'view:memory': ['memory'],
  'view:train': ['trainer'],
  'view:tensor': ['tensor'],
  'view:embed': ['view_embed'],
  'embed:editor': ['widget_editor'],
  'embed:same-value': ['widget_same_value'],
  'embed:facts': ['widget_facts'],
  'embed:mx': ['widget_mx'],
  'embed:range': ['widget_range'],
  'embed:precision': ['widget_precision'],
  'embed:number-line': ['widget_number_line'],
  'embed:quantize': ['widget_quantize'],
  'embed:rounding': ['widget_rounding'],
  'embed:memory': ['memory'],
  'embed:trainer': ['trainer'],
  'embed:tensor': ['tensor'],
};

/// The entries whose first view has a size budget (README, "Performance").
export const LIGHT = ['view:learn', 'view:formats', 'embed:editor'];

/// The entries whose first view the page's inline styles cover (base, shell, formats): the other
/// views' stylesheet comes after they are ready.
export const INLINE_STYLED = ['view:formats', 'embed:editor'];

/// How much each light entry's bytes and requests count when modules are grouped into packs
/// (every other entry counts once). The landing page counts most: it is every visitor's first
/// view, and its part is small enough that a byte it fetches in vain is a large share of it.
/// Formats at 20 (10 before): with the modules of 2026-12-05 that took 1.6 KB gzip of unneeded
/// modules off its first view for no more requests. The editor widget at 50 (20 before): with
/// the modules of 2026-12-06, 11.1 KiB raw of its packs were modules it did not need at 20, 0.3
/// at 50, 3 KB gzip off its first view (docs/benchmarks.md).
export const WEIGHTS = { 'view:learn': 30, 'view:formats': 20, 'embed:editor': 50 };

/// What one request is taken to cost, in bytes, when grouping modules into packs (a round trip's
/// worth of transfer at a few Mbit/s, spread over the browser's parallel connections). Measured
/// with the grouping of 2026-12 (docs/benchmarks.md): 8 KiB gave every light entry fewer bytes than
/// 16 KiB for one to three more requests.
export const REQUEST_BYTES = 8192;

/// Seconds without the app starting before the boot message mentions WebAssembly being off.
export const SLOW_SECONDS = 20;

/// The loader, in two parts. `early` goes first in <head>: preloads of the main wasm and JS, and a
/// classic script that runs at once and preloads the packs the address needs, so they all start
/// downloading as soon as the HTML arrives (a module script would wait for the stylesheet).
/// `late` goes at the end of <head>: the module script that starts the app.
/// `names`: the hashed file names of the main JS and wasm, of the other views' stylesheet and of the tensor view's worker script
/// (its address goes to `window.plTensorWorker`, src/ui/tensor/workers.rs); `preload`: entry -> pack files;
/// `mainWasmBytes`: the main module's size, for progress (responses may be compressed, so their
/// Content-Length is not the byte count).
export function loaderHtml({ names, preload, mainWasmBytes }) {
  const files = [...new Set(Object.values(preload).flat())].sort();
  const byIndex = Object.fromEntries(Object.entries(preload).map(([entry, list]) => [entry, list.map((f) => files.indexOf(f))]));
  const early = `(function () {
  window.plTensorWorker = "./${names.worker}";
  var query = new URLSearchParams(location.search);
  var files = ${JSON.stringify(files)};
  var packs = ${JSON.stringify(byIndex)};
  var embed = query.get("embed");
  var view = query.get("view");
  var entry = embed !== null ? (packs["embed:" + embed] ? "embed:" + embed : "embed:editor")
    : (packs["view:" + view] ? "view:" + view : "view:learn");
  // The split points the first view needs: the app compiles their modules ahead.
  window.plFirst = ${JSON.stringify(ENTRIES)}[entry];
  // The other views' stylesheet (scripts/build-site.mjs): at once where this address shows one
  // of them, else once the app is ready (for the views and widgets reached from here).
  var sheet = function () {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "./${names.css}";
    document.head.appendChild(link);
  };
  if (${JSON.stringify(INLINE_STYLED)}.indexOf(entry) < 0) {
    sheet();
  } else {
    new MutationObserver(function (changes, observer) {
      if (document.documentElement.dataset.ready) {
        observer.disconnect();
        sheet();
      }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-ready"] });
  }
  packs[entry].forEach(function (i) {
    var link = document.createElement("link");
    link.rel = "preload";
    link.as = "fetch";
    link.crossOrigin = "anonymous";
    link.href = "./" + files[i];
    document.head.appendChild(link);
  });
})();`;
  const late = `
const boot = document.getElementById("boot");
const say = (text) => { if (boot) boot.textContent = text; };
const failed = (error) => {
  console.error(error);
  if (!boot) return;
  boot.classList.add("boot-failed");
  boot.setAttribute("role", "alert");
  say("Precision Lab could not be downloaded (" + (error && error.message ? error.message : error) + "). Check the connection, then reload the page.");
};
const slow = setTimeout(() => {
  if (!document.documentElement.dataset.ready && !(boot && boot.classList.contains("boot-failed"))) {
    say("Still loading Precision Lab. On a slow connection this takes a while; if it never finishes, this browser may have WebAssembly turned off.");
  }
}, ${SLOW_SECONDS * 1000});
async function download(url, total) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(url + ": HTTP " + response.status);
  if (!response.body || typeof ReadableStream !== "function") return response;
  const reader = response.body.getReader();
  let received = 0;
  const counted = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) { controller.close(); return; }
      received += value.length;
      say("Loading Precision Lab\u2026 " + Math.min(100, Math.round(100 * received / total)) + "%");
      controller.enqueue(value);
    },
  });
  return new Response(counted, { headers: { "content-type": "application/wasm" } });
}
if (typeof WebAssembly !== "object") {
  clearTimeout(slow);
  failed("this browser runs no WebAssembly: it is turned off or not supported, and Precision Lab needs it");
} else {
  try {
    const app = await import("./${names.js}");
    // The first view's modules compile while the main module downloads (their packs are smaller
    // and arrive first).
    app.precompile(window.plFirst || []);
    await app.default({ module_or_path: download("./${names.wasm}", ${mainWasmBytes}) });
    // The module's exports, as Trunk's loader offers them (the whole-page tests' hooks use it).
    window.wasmBindings = app;
  } catch (error) {
    clearTimeout(slow);
    failed(error);
  }
}
`;
  return {
    // The main module first: it is the largest file and the one the app needs first.
    early: [
      `<link rel="preload" href="./${names.wasm}" as="fetch" type="application/wasm" crossorigin="anonymous" />`,
      `<link rel="modulepreload" href="./${names.js}" />`,
      `<script>${early}</script>`,
    ].map((line) => `    ${line}`).join('\n'),
    late: `    <script type="module">${late}</script>`,
  };
}
