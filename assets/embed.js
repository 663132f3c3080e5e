// Precision Lab embed helper. Add it once to a page that embeds Precision Lab widgets:
//
//   <div data-precision-lab="editor" data-params="format=fp16&value=65504"></div>
//   <script src="https://your.site/precision-lab/embed.js" async></script>
//
// It turns each such element into an iframe of the widget, served from the site this script
// came from (so the site's address is written once, in the script's src); makes every Precision
// Lab iframe on the page as tall as its content; and tells each one whether the page around it
// is light or dark, following changes (a theme switcher), unless the frame's address forces a
// theme with theme=light or theme=dark. Plain <iframe src="…?embed=…"> embeds get the last two.
// No other effect and no requests of its own. Widgets and parameters: ?view=embed on the site.
(function () {
  'use strict';
  var HEIGHT = 'precision-lab:height';
  var THEME = 'precision-lab:theme';
  var script = document.currentScript;
  var site = script && script.src ? new URL('./', script.src) : null;

  // Declarative embeds: <div data-precision-lab="WIDGET" data-params="k=v&…" data-title="…">.
  function build(element) {
    if (!site || element.getAttribute('data-precision-lab-built')) return;
    var widget = (element.getAttribute('data-precision-lab') || '').trim();
    if (!/^[a-z-]{1,40}$/.test(widget)) return;
    var query = new URLSearchParams(element.getAttribute('data-params') || '');
    query.delete('embed');
    var search = new URLSearchParams();
    search.set('embed', widget);
    query.forEach(function (value, key) { search.append(key, value); });
    var frame = document.createElement('iframe');
    frame.src = new URL('./?' + search.toString(), site).href;
    frame.title = element.getAttribute('data-title') || 'Precision Lab: ' + widget;
    frame.loading = 'lazy';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.minHeight = '240px';
    element.setAttribute('data-precision-lab-built', '1');
    element.textContent = '';
    element.appendChild(frame);
  }

  // The theme the page shows around an element: the first background that is not transparent,
  // walking up from it (the page's color-scheme when none is set), judged by its luminance.
  function hostTheme(element) {
    for (var node = element; node && node.nodeType === 1; node = node.parentElement) {
      var rgb = parseColour(getComputedStyle(node).backgroundColor);
      if (rgb && rgb[3] > 0.5) return luminance(rgb) < 0.35 ? 'dark' : 'light';
    }
    var scheme = getComputedStyle(document.documentElement).colorScheme || '';
    return /^\s*dark\s*$/.test(scheme) ? 'dark' : 'light';
  }
  function parseColour(text) {
    var m = /rgba?\(([\d.]+)[, ]+([\d.]+)[, ]+([\d.]+)(?:[,/ ]+([\d.]+))?\)/.exec(text || '');
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  }
  function luminance(rgb) {
    var channel = function (c) { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
  }

  function frames() {
    var out = [];
    var all = document.getElementsByTagName('iframe');
    for (var i = 0; i < all.length; i++) if (/[?&]embed=/.test(all[i].src)) out.push(all[i]);
    return out;
  }
  function tell(frame) {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: THEME, theme: hostTheme(frame) }, '*');
  }
  function tellAll() { frames().forEach(tell); }

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || data.type !== HEIGHT || typeof data.height !== 'number' || !isFinite(data.height)) return;
    var all = frames();
    for (var i = 0; i < all.length; i++) {
      if (all[i].contentWindow === event.source) {
        all[i].style.height = Math.max(50, Math.min(20000, Math.ceil(data.height))) + 'px';
        // A frame says its height once it runs: the moment to tell it the page's theme.
        tell(all[i]);
      }
    }
  });

  function start() {
    var elements = document.querySelectorAll('[data-precision-lab]');
    for (var i = 0; i < elements.length; i++) build(elements[i]);
    // Follow the page's theme: class, style or data attributes on <html> and <body>, and the
    // system setting for pages that follow it.
    var observer = new MutationObserver(tellAll);
    var options = { attributes: true, attributeFilter: ['class', 'style', 'data-theme'] };
    observer.observe(document.documentElement, options);
    if (document.body) observer.observe(document.body, options);
    if (window.matchMedia) {
      var media = window.matchMedia('(prefers-color-scheme: dark)');
      if (media.addEventListener) media.addEventListener('change', tellAll);
    }
    tellAll();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
