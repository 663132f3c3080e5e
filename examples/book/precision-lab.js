// Where this book's Precision Lab widgets come from: write the address of your copy of the site
// here, once, for the whole book (for example "https://your.site/precision-lab/"). The example
// uses the site built in the repository's dist/ folder, three folders up from the built book
// (examples/book/book/): serve the repository's root folder and open
// /examples/book/book/chapter.html. mdBook defines path_to_root on every page.
var PRECISION_LAB_SITE = new URL(path_to_root + '../../../dist/', location.href);

(function () {
  var script = document.createElement('script');
  script.src = new URL('embed.js', PRECISION_LAB_SITE).href;
  script.async = true;
  document.head.appendChild(script);
})();
