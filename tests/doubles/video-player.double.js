/* Test double of the Cloudinary Video Player script (never shipped). */
(function () {
  'use strict';
  function rec() {
    return window.__cldDoubles || (window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [] });
  }
  var loads = window.__cldDoubleLoads = window.__cldDoubleLoads || {};
  loads['video-player'] = (loads['video-player'] || 0) + 1;
  var cld = window.cloudinary = window.cloudinary || {};
  cld.videoPlayer = function (id, options) {
    var el = typeof id === 'string' ? document.getElementById(id) : id;
    if (!el || el.tagName !== 'VIDEO') throw new Error('videoPlayer: no <video> element with id ' + id);
    if (!options || !(options.cloudName || options.cloud_name)) throw new Error('cloudName is required');
    var styled = getComputedStyle(el).getPropertyValue('--cld-double-css').trim() === 'loaded';
    rec().calls.push({ widget: 'video', method: 'videoPlayer', id: id, options: JSON.parse(JSON.stringify(options)),
                       videoClass: el.getAttribute('class'), cssApplied: styled });
    el.setAttribute('data-cld-double', 'video-player');
    var inst = {
      options: options, disposed: false,
      source: function (publicId, o) { rec().calls.push({ widget: 'video', method: 'source', publicId: publicId, options: o || {} }); },
      play: function () {}, pause: function () {},
      dispose: function () {
        rec().calls.push({ widget: 'video', method: 'dispose' });
        el.remove(); // video.js removes the element it took over
        inst.disposed = true;
      }
    };
    rec().video.push(inst);
    return inst;
  };
})();
