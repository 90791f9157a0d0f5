/* TEST DOUBLE of Cloudinary's Product Gallery script, all.js (never shipped).
 *
 * Every behaviour, with its source (reference = shared/reference/cloudinary-reference.md §6.1):
 *
 * - Global `cloudinary.galleryWidget(options)` → instance with `render()`, `update()`,
 *   `destroy()`; used as `cloudinary.galleryWidget(options).render()` (cloudinary_wordpress
 *   php/media/class-gallery.php and gallery-init.js; Magento cloudinary-product-gallery.js).
 * - Required `cloudName`, `mediaAssets` (public-id strings or items), `container` (selector or
 *   element): cloudinary-util cloudinary-product-gallery.ts marks them required. Throws without
 *   them (the real script's way of refusing: unconfirmed).
 * - ONLY the documented options: the typed option list of cloudinary-util's
 *   cloudinary-product-gallery.ts (its header: "Sourced from" Cloudinary's Product Gallery
 *   reference) plus `secureDistribution`/`privateCdn`, which the official WordPress plugin passes
 *   for CNAMEs (class-gallery.php). Anything else, such as `integration` (a Media Library option,
 *   reference §2.2), is REFUSED here: what the real gallery does with an unknown option
 *   (ignore, warn) is unconfirmed, and a double that accepted anything would hide an option the
 *   gallery never reads.
 * - `mediaAssets` items: `{publicId | tag, mediaType, resourceType, transformation,
 *   thumbnailTransformation, altText, videoPlayerSource}` (same types file); a spin set is
 *   `{tag, mediaType: 'spin'}` (built from the images with the tag; the types file's `tag`; docs
 *   product_gallery "spin sets"): a `spin` item without a `tag` is refused.
 * - `render()` renders ASYNCHRONOUSLY: it returns at once and the gallery's nodes appear in a
 *   later task (the real gallery first fetches the asset lists, e.g. a tag's
 *   res.cloudinary.com/<cloud>/image/list/<tag>.json: unconfirmed detail, asynchronous in any
 *   case since it needs the network). `destroy()` before that cancels the render and removes
 *   what was rendered.
 *
 * Test instrumentation (not Cloudinary's API): `window.__cldDoubles` records calls; rendered
 * nodes carry data-cld-double="product-gallery" and one [data-public-id] / [data-tag] per item;
 * `__cldDoubles.galleryRendered()` resolves once the newest gallery has rendered.
 */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [], errors: [] });
  }
  var DOCUMENTED = ['cloudName', 'mediaAssets', 'container', 'analytics', 'displayProps', 'focus', 'loaderProps',
    'placeholderImage', 'sort', 'sortProps', 'themeProps', 'viewportBreakpoints', 'accessibilityProps', 'ar3dProps',
    'aspectRatio', 'borderColor', 'borderWidth', 'imageBreakpoint', 'videoBreakpoint', 'preload', 'radius', 'spinProps',
    'startIndex', 'tipProps', 'transition', 'videoProps', 'zoom', 'zoomProps', 'zoomPopupProps', 'carouselLocation',
    'carouselOffset', 'carouselStyle', 'indicatorProps', 'thumbnailProps', 'navigation', 'navigationButtonProps',
    'navigationOffset', 'navigationPosition', 'secureDistribution', 'privateCdn'];
  var ITEM = ['publicId', 'tag', 'mediaType', 'resourceType', 'transformation', 'thumbnailTransformation', 'altText', 'videoPlayerSource'];
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['product-gallery'] = (loads['product-gallery'] || 0) + 1;
  if (typeof window.__cldDoubleLoaded === 'function') window.__cldDoubleLoaded('product-gallery');
  var cld = window.cloudinary = window.cloudinary || {};
  cld.galleryWidget = function (options) {
    if (!options || !options.cloudName) throw new Error('cloudName is required');
    if (!options.container) throw new Error('container is required');
    if (!Array.isArray(options.mediaAssets) || options.mediaAssets.length === 0) throw new Error('mediaAssets is required');
    Object.keys(options).forEach(function (k) {
      if (DOCUMENTED.indexOf(k) < 0) throw new Error('galleryWidget: "' + k + '" is not a documented Product Gallery option');
    });
    options.mediaAssets.forEach(function (a, i) {
      if (typeof a === 'string') return;
      Object.keys(a).forEach(function (k) {
        if (ITEM.indexOf(k) < 0) throw new Error('galleryWidget: mediaAssets[' + i + '].' + k + ' is not a documented item field');
      });
      if (!a.publicId && !a.tag) throw new Error('galleryWidget: mediaAssets[' + i + '] needs a publicId or a tag');
      if (a.mediaType === 'spin' && !a.tag) throw new Error('galleryWidget: mediaAssets[' + i + ']: a spin set is given by tag');
    });
    rec().calls.push({ widget: 'gallery', method: 'galleryWidget', options: JSON.parse(JSON.stringify(options)) });
    var root = null;
    var pending = null;
    var rendered = null;
    var inst = {
      options: options, rendered: false, destroyed: false,
      render: function () {
        rec().calls.push({ widget: 'gallery', method: 'render' });
        var host = typeof options.container === 'string' ? document.querySelector(options.container) : options.container;
        if (!host) throw new Error('container ' + options.container + ' not found');
        rendered = new Promise(function (resolve) {
          pending = setTimeout(function () {
            pending = null;
            root = document.createElement('div');
            root.setAttribute('data-cld-double', 'product-gallery');
            options.mediaAssets.forEach(function (a) {
              var item = document.createElement('div');
              if (typeof a === 'string') item.setAttribute('data-public-id', a);
              else if (a.tag) item.setAttribute('data-tag', a.tag);
              else item.setAttribute('data-public-id', a.publicId);
              root.appendChild(item);
            });
            host.appendChild(root);
            inst.rendered = true;
            resolve();
          }, 0);
        });
      },
      update: function () {},
      destroy: function () {
        rec().calls.push({ widget: 'gallery', method: 'destroy' });
        if (pending !== null) { clearTimeout(pending); pending = null; }
        if (root) root.remove();
        root = null;
        inst.destroyed = true;
      },
      whenRendered: function () { return rendered || Promise.reject(new Error('render() was not called')); }
    };
    rec().gallery.push(inst);
    return inst;
  };
  rec().galleryRendered = function () {
    var list = rec().gallery;
    return list[list.length - 1].whenRendered();
  };
})();
