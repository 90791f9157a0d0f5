/* Test double of Cloudinary's Upload widget script (never shipped). */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [] });
  }
  function copy(v) {
    return JSON.parse(JSON.stringify(v, function (k, x) { return typeof x === 'function' ? '[function]' : x; }));
  }
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['upload-widget'] = (loads['upload-widget'] || 0) + 1;
  var cld = window.cloudinary = window.cloudinary || {};
  cld.createUploadWidget = function (options, callback) {
    if (!options || !options.cloudName) throw new Error('cloudName is required');
    if (typeof options.uploadSignature !== 'function' && typeof options.uploadSignature !== 'string' && !options.uploadPreset) {
      throw new Error('either uploadSignature or uploadPreset is required');
    }
    var r = rec();
    r.calls.push({ widget: 'upload', method: 'createUploadWidget', options: copy(options), callback: typeof callback });
    var frame = document.createElement('iframe');
    frame.setAttribute('data-cld-double', 'upload-widget');
    var parent = options.inlineContainer ? document.querySelector(options.inlineContainer) : document.body;
    if (!parent) throw new Error('inlineContainer ' + options.inlineContainer + ' not found');
    parent.appendChild(frame);
    var inst = {
      options: options, callback: callback, destroyed: false, showing: false,
      open: function () { rec().calls.push({ widget: 'upload', method: 'open' }); inst.showing = true; callback(null, { event: 'display-changed', info: 'shown' }); },
      close: function () { rec().calls.push({ widget: 'upload', method: 'close' }); inst.showing = false; callback(null, { event: 'close', info: null }); },
      show: function () { inst.showing = true; }, hide: function () { inst.showing = false; }, minimize: function () {},
      update: function (o) { rec().calls.push({ widget: 'upload', method: 'update', options: copy(o) }); },
      isShowing: function () { return inst.showing; }, isDestroyed: function () { return inst.destroyed; },
      destroy: function () {
        rec().calls.push({ widget: 'upload', method: 'destroy' });
        frame.remove();
        inst.destroyed = true;
        return Promise.resolve();
      }
    };
    r.upload.push(inst);
    return inst;
  };
  function last() {
    var list = rec().upload;
    var inst = list[list.length - 1];
    if (!inst || inst.destroyed) throw new Error('no live Upload widget');
    return inst;
  }
  // The params the real widget signs: source=uw, timestamp, and the upload options it sends.
  function paramsToSign(o) {
    var p = { source: 'uw', timestamp: Math.floor(Date.now() / 1000) };
    if (o.uploadPreset) p.upload_preset = o.uploadPreset;
    if (o.folder) p.folder = o.folder;
    if (o.tags) p.tags = o.tags.join(',');
    return p;
  }
  var r = rec();
  r.simulateUpload = function (info) {
    var inst = last();
    var o = inst.options;
    inst.callback(null, { event: 'upload-added', info: { file: { name: (info && info.original_filename) || 'file' } } });
    if (typeof o.uploadSignature !== 'function') {
      inst.callback(null, { event: 'success', info: info });
      return Promise.resolve({ signed: false });
    }
    var params = paramsToSign(o);
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('uploadSignature callback never called')); }, 5000);
      o.uploadSignature(function (signature) {
        clearTimeout(timer);
        rec().signatures.push({ params_to_sign: params, signature: signature });
        inst.callback(null, { event: 'success', info: info });
        inst.callback(null, { event: 'queues-end', info: {} });
        resolve({ signed: true, params_to_sign: params, signature: signature });
      }, params);
    });
  };
  r.simulateUploadEvent = function (event, info) { last().callback(null, { event: event, info: info }); };
  r.simulateUploadError = function (error) { last().callback(error, null); };
})();
