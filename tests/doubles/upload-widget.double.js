/* TEST DOUBLE of Cloudinary's Upload widget script, global/all.js (never shipped).
 *
 * Every behaviour, with its source (reference = shared/reference/cloudinary-reference.md §3):
 *
 * - Global `cloudinary.createUploadWidget(options, callback)`: "Creates a widget object and frame
 *   in memory, but does not display it until the open() method is called" (docs
 *   upload_widget_reference, reference §3). The frame: an <iframe> with an
 *   upload-widget.cloudinary.com URL appended to <body>, or into `inlineContainer`. Where exactly
 *   the real frame lands: unconfirmed.
 * - `cloudName` required; signed mode needs `uploadSignature` (function or string) + `apiKey`,
 *   unsigned needs `uploadPreset` (cloudinary-util getUploadWidgetOptions error messages,
 *   reference §3). Throws otherwise (the real script's way of refusing: unconfirmed).
 * - `callback(error, result)` with `result.event` and `result.info` (cloudinary-util
 *   cloudinary-upload-widget.ts types). Events are delivered asynchronously (the widget runs
 *   in its iframe): unconfirmed timing, modelled as a later task.
 * - The events of one upload, in both signed and unsigned mode, in this order: `queues-start`,
 *   `upload-added`, `success`, `queues-end` (cloudinary-util UPLOAD_WIDGET_EVENTS lists
 *   abort, batch-cancelled, close, display-changed, publicid, queues-end, queues-start, retry,
 *   show-completed, source-changed, success, tags, upload-added; their order within an upload
 *   is unconfirmed: queue events around the file's). `open()` → `display-changed` "shown".
 * - `uploadSignature(callback, params_to_sign)`: the page calls `callback(signature)` (cloudinary
 *   npm#145, cloudinary-util generateSignatureCallback). `params_to_sign` as the real widget
 *   sends them: `source: 'uw'` and `timestamp` (next-cloudinary#453 string to sign
 *   `source=uw&timestamp=…`), the upload options it posts (`folder`, `tags`, `upload_preset`,
 *   `public_id`…), BOOLEANS as booleans (`unique_filename: true`, reported params_to_sign
 *   `{eager, source:'uw', timestamp, unique_filename:true, upload_preset}` in
 *   bubbaspaarx/react-cloudinary-upload-widget#8), `eager` as a string, and with cropping the
 *   `custom_coordinates` the user chose ("x,y,w,h"; the name of the param the widget signs for
 *   a crop: unconfirmed). `simulateUpload(info, {extra})` adds any further params.
 * - Instance methods `open`, `close({quiet})`, `show`, `hide`, `minimize`, `update`,
 *   `destroy({removeThumbnails}) → Promise`, `isDestroyed`, `isMinimized`, `isShowing`
 *   (cloudinary-util types). `close()` sends `close`; `close({quiet: true})` sends nothing
 *   (the option's meaning taken from its name: unconfirmed). `destroy()` removes the frame
 *   when its Promise settles (a later task; unconfirmed), and the widget may still report an
 *   event meanwhile: `simulateLateEvent()` (or `destroy()` itself when
 *   `__cldDoubles.lateEventOnDestroy` is true) sends `display-changed` "hidden" after destroy()
 *   was called (unconfirmed; the case a page must survive: a callback it no longer wants).
 *
 * Test instrumentation (not Cloudinary's API): `window.__cldDoubles` records calls, instances,
 * signatures, and `errors` (exceptions the page's callback threw: the real widget would see
 * them in its own frame); helpers `simulateUpload(info, {extra})` (returns a Promise of
 * `{signed, params_to_sign, signature}` once `queues-end` was sent), `simulateUploadEvent`,
 * `simulateUploadError`, `simulateLateEvent`.
 */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [], errors: [] });
  }
  function copy(v) {
    return JSON.parse(JSON.stringify(v, function (k, x) { return typeof x === 'function' ? '[function]' : x; }));
  }
  function later(fn) {
    return new Promise(function (resolve) {
      setTimeout(function () {
        try { fn(); } catch (e) { (rec().errors || (rec().errors = [])).push(String(e && e.message || e)); }
        resolve();
      }, 0);
    });
  }
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['upload-widget'] = (loads['upload-widget'] || 0) + 1;
  if (typeof window.__cldDoubleLoaded === 'function') window.__cldDoubleLoaded('upload-widget');
  var cld = window.cloudinary = window.cloudinary || {};
  cld.createUploadWidget = function (options, callback) {
    if (!options || !options.cloudName) throw new Error('cloudName is required');
    var signed = typeof options.uploadSignature === 'function' || typeof options.uploadSignature === 'string';
    if (!signed && !options.uploadPreset) throw new Error('either uploadSignature or uploadPreset is required');
    if (signed && !options.apiKey) throw new Error('apiKey is required for signed uploads');
    var r = rec();
    r.calls.push({ widget: 'upload', method: 'createUploadWidget', options: copy(options), callback: typeof callback });
    var frame = document.createElement('iframe');
    frame.setAttribute('src', 'https://upload-widget.cloudinary.com/latest/index.html?cloudName=' + encodeURIComponent(options.cloudName));
    frame.setAttribute('data-cld-double', 'upload-widget');
    var parent = options.inlineContainer ? document.querySelector(options.inlineContainer) : document.body;
    if (!parent) throw new Error('inlineContainer ' + options.inlineContainer + ' not found');
    parent.appendChild(frame);
    function send(error, result) { return later(function () { callback(error, result); }); }
    var inst = {
      options: options, callback: callback, destroyed: false, showing: false, minimized: false, send: send,
      open: function () { rec().calls.push({ widget: 'upload', method: 'open' }); inst.showing = true; send(null, { event: 'display-changed', info: 'shown' }); },
      close: function (o) {
        var quiet = !!(o && o.quiet);
        rec().calls.push({ widget: 'upload', method: 'close', quiet: quiet });
        inst.showing = false;
        if (!quiet) send(null, { event: 'close', info: null });
      },
      show: function () { inst.showing = true; }, hide: function () { inst.showing = false; },
      minimize: function () { inst.minimized = true; },
      update: function (o) { rec().calls.push({ widget: 'upload', method: 'update', options: copy(o) }); },
      isShowing: function () { return inst.showing; }, isDestroyed: function () { return inst.destroyed; },
      isMinimized: function () { return inst.minimized; },
      destroy: function (o) {
        rec().calls.push({ widget: 'upload', method: 'destroy', options: o === undefined ? null : copy(o) });
        inst.destroying = true;
        if (rec().lateEventOnDestroy) send(null, { event: 'display-changed', info: 'hidden' });
        return new Promise(function (resolve) {
          setTimeout(function () { frame.remove(); inst.destroyed = true; resolve(); }, 0);
        });
      }
    };
    r.upload.push(inst);
    return inst;
  };
  function last(allowDestroyed) {
    var list = rec().upload;
    var inst = list[list.length - 1];
    if (!inst || (!allowDestroyed && (inst.destroyed || inst.destroying))) throw new Error('no live Upload widget');
    return inst;
  }
  // What the real widget signs: source=uw, timestamp, the upload options it posts, booleans
  // as booleans, eager as a string (see the header).
  function paramsToSign(o, extra) {
    var p = { source: 'uw', timestamp: Math.floor(Date.now() / 1000), unique_filename: true };
    if (o.uploadPreset) p.upload_preset = o.uploadPreset;
    if (o.folder) p.folder = o.folder;
    if (o.publicId) p.public_id = o.publicId;
    if (o.tags) p.tags = o.tags.join(',');
    if (o.cropping) p.custom_coordinates = '10,20,300,200';
    Object.keys(extra || {}).forEach(function (k) { p[k] = extra[k]; });
    return p;
  }
  var r = rec();
  r.simulateUpload = function (info, more) {
    var inst = last();
    var o = inst.options;
    var name = (info && info.original_filename) || 'file';
    inst.send(null, { event: 'queues-start', info: {} });
    inst.send(null, { event: 'upload-added', info: { file: { name: name } } });
    if (typeof o.uploadSignature !== 'function') {
      inst.send(null, { event: 'success', info: info });
      return inst.send(null, { event: 'queues-end', info: {} }).then(function () { return { signed: false }; });
    }
    var params = paramsToSign(o, more && more.extra);
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('uploadSignature callback never called')); }, 5000);
      later(function () {
        o.uploadSignature(function (signature) {
          clearTimeout(timer);
          rec().signatures.push({ params_to_sign: params, signature: signature });
          inst.send(null, { event: 'success', info: info });
          inst.send(null, { event: 'queues-end', info: {} }).then(function () {
            resolve({ signed: true, params_to_sign: params, signature: signature });
          });
        }, params);
      });
    });
  };
  r.simulateUploadEvent = function (event, info) { return last().send(null, { event: event, info: info }); };
  r.simulateUploadError = function (error) { return last().send(error, null); };
  // An event from the newest widget even after destroy() (see the header).
  r.simulateLateEvent = function () { return last(true).send(null, { event: 'display-changed', info: 'hidden' }); };
})();
