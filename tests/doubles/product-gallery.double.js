/* Test double of Cloudinary's Product Gallery script (never shipped). */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [] });
  }
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['product-gallery'] = (loads['product-gallery'] || 0) + 1;
  var cld = window.cloudinary = window.cloudinary || {};
  cld.galleryWidget = function (options) {
    if (!options || !options.cloudName) throw new Error('cloudName is required');
    if (!options.container) throw new Error('container is required');
    if (!Array.isArray(options.mediaAssets) || options.mediaAssets.length === 0) throw new Error('mediaAssets is required');
    rec().calls.push({ widget: 'gallery', method: 'galleryWidget', options: JSON.parse(JSON.stringify(options)) });
    var root = null;
    var inst = {
      options: options, rendered: false, destroyed: false,
      render: function () {
        rec().calls.push({ widget: 'gallery', method: 'render' });
        var host = typeof options.container === 'string' ? document.querySelector(options.container) : options.container;
        if (!host) throw new Error('container ' + options.container + ' not found');
        root = document.createElement('div');
        root.setAttribute('data-cld-double', 'product-gallery');
        options.mediaAssets.forEach(function (a) {
          var item = document.createElement('div');
          item.setAttribute('data-public-id', typeof a === 'string' ? a : a.publicId);
          root.appendChild(item);
        });
        host.appendChild(root);
        inst.rendered = true;
      },
      update: function () {},
      destroy: function () {
        rec().calls.push({ widget: 'gallery', method: 'destroy' });
        if (root) root.remove();
        root = null;
        inst.destroyed = true;
      }
    };
    rec().gallery.push(inst);
    return inst;
  };
})();
