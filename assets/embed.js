// Precision Lab embed helper. Add it once to a page that embeds Precision Lab widgets in
// iframes; each widget posts its height, and this sizes the iframe that sent it, so it grows
// and shrinks with its content. No other effect, no network requests.
(function () {
  'use strict';
  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || data.type !== 'precision-lab:height' || typeof data.height !== 'number' || !isFinite(data.height)) return;
    var frames = document.getElementsByTagName('iframe');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(50, Math.min(20000, Math.ceil(data.height))) + 'px';
      }
    }
  });
})();
