/* Test double of Cloudinary's Media Library widget script (never shipped). */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [] });
  }
  function copy(v) {
    return JSON.parse(JSON.stringify(v, function (k, x) {
      if (typeof x === 'function') return '[function]';
      if (typeof Element !== 'undefined' && x instanceof Element) return '[element #' + x.id + ']';
      return x;
    }));
  }
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['media-library'] = (loads['media-library'] || 0) + 1;
  var cld = window.cloudinary = window.cloudinary || {};
  cld.createMediaLibrary = function (options, callbacks, el) {
    if (!options || !options.cloud_name) throw new Error('cloud_name is required');
    var r = rec();
    r.calls.push({ widget: 'media_library', method: 'createMediaLibrary', options: copy(options),
                   callbacks: Object.keys(callbacks || {}).sort(), element: el ? copy(el) : null });
    var inline = null;
    if (options.inline_container) {
      var host = typeof options.inline_container === 'string' ? document.querySelector(options.inline_container) : options.inline_container;
      if (!host) throw new Error('inline_container ' + options.inline_container + ' not found');
      inline = document.createElement('div');
      inline.setAttribute('data-cld-double', 'media-library');
      host.appendChild(inline);
    }
    var modal = null;
    var inst = {
      options: options, callbacks: callbacks || {}, shown: false,
      show: function (o) {
        rec().calls.push({ widget: 'media_library', method: 'show', options: o === undefined ? null : copy(o) });
        if (!inline && !modal) {
          modal = document.createElement('iframe');
          modal.setAttribute('data-cld-double', 'media-library');
          document.body.appendChild(modal);
        }
        inst.shown = true;
        if (inst.callbacks.showHandler) inst.callbacks.showHandler();
      },
      hide: function () {
        rec().calls.push({ widget: 'media_library', method: 'hide' });
        if (modal) { modal.remove(); modal = null; }
        if (inline) { inline.remove(); inline = null; }
        var was = inst.shown;
        inst.shown = false;
        if (was && inst.callbacks.hideHandler) inst.callbacks.hideHandler();
      }
    };
    r.mediaLibrary.push(inst);
    return inst;
  };
  cld.openMediaLibrary = function (options, callbacks, el) {
    var i = cld.createMediaLibrary(options, callbacks, el);
    i.show();
    return i;
  };
  var r = rec();
  r.simulateMediaLibraryInsert = function (data) {
    var list = rec().mediaLibrary;
    var inst = list[list.length - 1];
    if (!inst) throw new Error('no Media Library instance');
    inst.callbacks.insertHandler(data);
  };
})();
