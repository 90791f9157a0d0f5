/* TEST DOUBLE of Cloudinary's Media Library widget script, global/all.js (never shipped).
 *
 * The one Media Library double: the browser tests (tests/widgets_*.rs, served by
 * scripts/serve-doubles.mjs) and the end-to-end tests (served in place of
 * https://media-library.cloudinary.com/global/all.js or through the host's script override) use it.
 * Every behaviour, with its source (reference = shared/reference/cloudinary-reference.md):
 *
 * - Global `cloudinary.createMediaLibrary(options, callbacks, el?)` and
 *   `cloudinary.openMediaLibrary(options, callbacks, el?)` (create, then show). Source: reference
 *   §2.1 (docs media_library_widget_api_reference: "The all.js file instantiates the cloudinary
 *   class"; decap-cms-media-library-cloudinary calls window.cloudinary.createMediaLibrary).
 *   Added to an existing `window.cloudinary` (the real script's merging is unconfirmed).
 * - `cloud_name` required; throws without it. Source: reference §2.1 ("the required cloud_name
 *   parameter"). What the real script does when it is missing (throw or log): unconfirmed.
 * - Callbacks `insertHandler(data)`, `showHandler()`, `hideHandler()`. Source: reference §2.4
 *   (cloudinary-examples react-ts-media-library MediaLibrary.tsx; every integration).
 * - Callbacks are ASYNCHRONOUS (a later task, as a postMessage from the widget's iframe would
 *   arrive): the real widget renders in an iframe served by Cloudinary (cloudinary_wordpress#13
 *   shows its src https://cloudinary.com/console/media_library/cms?...). Exact timing: unconfirmed.
 * - Instance methods `show(options?)` and `hide()`; NO `destroy()`. Source: reference §2.4
 *   ("destroy() not seen in any source"); decap-cms returns {show, hide} only.
 * - `hide()` only HIDES the widget's node (display: none); nothing is removed: the real widget
 *   has no removal API, so whoever mounted it must remove what it added. Source: reference §2.4
 *   (show/hide only). The node stays in the page after hide(): unconfirmed in docs, and the
 *   conservative reading (a widget that removed itself would need no destroy()).
 * - Modal: on first show(), a wrapper <div> holding an <iframe src="https://console.cloudinary.com/
 *   console/media_library/…"> is appended to <body>, and it STAYS there: a public integration ships
 *   a `destroyWidgets()` helper that removes every `div:has(iframe[src^="https://console.cloudinary.
 *   com/console/media_library/"])` itself (found by the code index; its repository is not named
 *   there), and cloudinary_wordpress#13 shows the older src https://cloudinary.com/console/
 *   media_library/cms?…. Inline (`inline_container` selector or element): the wrapper goes into
 *   that container (reference §2.2: inline_container as used by WordPress, Contentful). Whether the
 *   node is created on create or on first show: unconfirmed. The iframe URL is never loaded by the
 *   tests (no network; e2e routes block it).
 * - Insert data `{mlId, assets: [...]}`. Source: reference §2.4 (MediaLibrary.types.ts).
 *
 * Test instrumentation (not Cloudinary's API): `window.__cldDoubles` records every call
 * (`{widget: 'media_library', method, options}`) and the live instances;
 * `__cldDoubles.simulateMediaLibraryInsert(data)` plays the user inserting (returns a Promise
 * settled once the widget's insertHandler ran); the wrapper's "Insert sample" button does the
 * same. Its top-level node carries data-cld-double="media-library".
 */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [], errors: [] });
  }
  function copy(v) {
    return JSON.parse(JSON.stringify(v, function (k, x) {
      if (typeof x === 'function') return '[function]';
      if (typeof Element !== 'undefined' && x instanceof Element) return '[element #' + x.id + ']';
      return x;
    }));
  }
  // As a message from the iframe would: in a later task. An exception thrown by the page's
  // handler is recorded (a real widget would have it reported as uncaught in its own frame).
  function later(fn) {
    return new Promise(function (resolve) {
      setTimeout(function () {
        try { fn(); } catch (e) { rec().errors.push(String(e && e.message || e)); }
        resolve();
      }, 0);
    });
  }
  var SAMPLE = { mlId: 'double', assets: [{ public_id: 'sample', resource_type: 'image', type: 'upload', version: 1, format: 'jpg',
    secure_url: 'https://res.cloudinary.com/demo/image/upload/v1/sample.jpg' }] };
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['media-library'] = (loads['media-library'] || 0) + 1;
  if (typeof window.__cldDoubleLoaded === 'function') window.__cldDoubleLoaded('media-library');
  var cld = window.cloudinary = window.cloudinary || {};
  cld.createMediaLibrary = function (options, callbacks, el) {
    if (!options || !options.cloud_name) throw new Error('cloud_name is required');
    var r = rec();
    r.calls.push({ widget: 'media_library', method: 'createMediaLibrary', options: copy(options),
                   callbacks: Object.keys(callbacks || {}).sort(), element: el ? copy(el) : null });
    var handlers = callbacks || {};
    var parent = null;
    if (options.inline_container) {
      parent = typeof options.inline_container === 'string' ? document.querySelector(options.inline_container) : options.inline_container;
      if (!parent) throw new Error('inline_container ' + options.inline_container + ' not found');
    }
    var node = null;
    var inst = {
      options: options, shown: false,
      show: function (o) {
        rec().calls.push({ widget: 'media_library', method: 'show', options: o === undefined ? null : copy(o) });
        if (!node) {
          node = document.createElement('div');
          node.id = 'cld-ml-double';
          node.setAttribute('data-cld-double', 'media-library');
          node.setAttribute('role', 'dialog');
          var frame = document.createElement('iframe');
          frame.setAttribute('src', 'https://console.cloudinary.com/console/media_library/cms?cloud_name=' + encodeURIComponent(options.cloud_name));
          var insert = document.createElement('button');
          insert.type = 'button';
          insert.textContent = 'Insert sample';
          insert.addEventListener('click', function () { inst.insert(SAMPLE); });
          node.append('Media Library (' + options.cloud_name + ') ', insert, frame);
          (parent || document.body).appendChild(node);
        }
        node.style.display = '';
        inst.shown = true;
        return later(function () { if (handlers.showHandler) handlers.showHandler(); });
      },
      hide: function () {
        rec().calls.push({ widget: 'media_library', method: 'hide' });
        var was = inst.shown;
        inst.shown = false;
        if (node) node.style.display = 'none';
        return later(function () { if (was && handlers.hideHandler) handlers.hideHandler(); });
      },
      // Test instrumentation: the user inserts `data`.
      insert: function (data) {
        return later(function () { handlers.insertHandler(data); });
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
    return inst.insert(data);
  };
})();
