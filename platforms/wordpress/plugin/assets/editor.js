/**
 * Cloudinary Connector in the WordPress block editor: the host object of docs/host-api.md (1.1)
 * implemented on WordPress, and the plugin's blocks.
 *
 * - platform {name: "WordPress", version} from WordPress itself; environment, signer URL and the
 *   widget script overrides from Settings > Cloudinary (window.cloudinaryConnectorWp, written by
 *   includes/editor.php);
 * - storage: the plugin's namespace, read synchronously from what the page was given and written
 *   through to the REST route (settings onto the site's option, other keys into the user's meta);
 * - UI slots: the "Cloudinary" sidebar (PluginSidebar) holds the plugin's toolbar and panel; the
 *   image block's placeholder gets "Insert from Cloudinary";
 * - editor.insertMedia: a core/image block (URL and srcset from the URL engine, the asset
 *   reference kept in the block's attributes) or, for a video, the plugin's Video Player block;
 * - getSignerToken: the short-lived token the REST route mints for the logged-in user.
 *
 * Everything the WebAssembly plugin puts into the page it removes itself (docs/host-api.md §4);
 * this script adds only WordPress registrations (a plugin sidebar, a block filter, two blocks).
 */
(function (wp, cfg) {
  'use strict';
  if (!wp || !cfg) return;
  var el = wp.element.createElement;
  var Fragment = wp.element.Fragment;
  var useRef = wp.element.useRef;
  var useEffect = wp.element.useEffect;
  var useState = wp.element.useState;
  var __ = function (s) { return s; };
  var SIDEBAR = 'cloudinary-connector';
  var NS = '/' + cfg.namespace;

  // ---- notices: the host shows the plugin's log.error to the user ----------------------------
  function notify(level, message) {
    var type = level === 'error' ? 'error' : level === 'warn' ? 'warning' : 'info';
    (level === 'error' ? console.error : console.info)('[Cloudinary] ' + message);
    wp.data.dispatch('core/notices').createNotice(type, 'Cloudinary: ' + message, {
      id: 'cldc-' + type + '-' + message.length + '-' + message.slice(0, 40),
      isDismissible: true,
      type: level === 'info' ? 'snackbar' : 'default',
    });
  }

  // ---- storage: synchronous reads, writes through to WordPress in order --------------------------
  var values = new Map(Object.entries(cfg.storage || {}));
  var writes = Promise.resolve();
  var unsaved = new Map(); // key -> value not yet acknowledged by WordPress
  function persist(key, value) {
    unsaved.set(key, value);
    writes = writes.then(function () {
      return wp.apiFetch({ path: NS + '/storage', method: 'POST', data: { key: key, value: value } });
    }).then(function () {
      if (unsaved.get(key) === value) unsaved.delete(key);
    }, function (e) {
      unsaved.delete(key);
      notify('error', 'could not save "' + key + '" to WordPress: ' + ((e && e.message) || e));
    });
  }
  // Leaving the page with writes still in flight: hand them to the browser, which sends them
  // after the page is gone (the REST nonce goes in the URL: a beacon cannot carry headers).
  window.addEventListener('pagehide', function () {
    unsaved.forEach(function (value, key) {
      var url = cfg.restUrl + cfg.namespace + '/storage';
      url += (url.indexOf('?') < 0 ? '?' : '&') + '_wpnonce=' + encodeURIComponent(cfg.nonce);
      navigator.sendBeacon(url, new Blob([JSON.stringify({ key: key, value: value })], { type: 'application/json' }));
    });
    unsaved.clear();
  });
  var storage = {
    get: function (k) { return values.has(k) ? values.get(k) : null; },
    set: function (k, v) { v = String(v); if (values.get(k) === v) return; values.set(k, v); persist(k, v); },
    remove: function (k) { if (!values.has(k)) return; values.delete(k); persist(k, null); },
    keys: function () { return Array.from(values.keys()); },
  };

  // ---- the signer token of the logged-in user -------------------------------------------------
  var token = null;
  function getSignerToken() {
    if (token && token.expires_at - 60 > Date.now() / 1000) return Promise.resolve(token.token);
    return wp.apiFetch({ path: NS + '/token', method: 'POST' }).then(function (t) {
      token = t;
      return t.token;
    }, function (e) {
      throw new Error('WordPress gave no Cloudinary token: ' + ((e && e.message) || e));
    });
  }

  // ---- slots: elements this script owns, shown inside the sidebar when it is open -------------
  var slots = { toolbar: document.createElement('div'), panel: document.createElement('div') };
  slots.toolbar.className = 'cldc-wp-toolbar';
  slots.panel.className = 'cldc-wp-panel';

  // ---- inserting: core/image with the reference; a video as the Video Player block ------------
  var pendingImageBlock = null; // clientId of an empty image block that asked for Cloudinary
  var pendingGalleryBlock = null; // clientId of a gallery block collecting images
  function insertMedia(media) {
    var be = wp.data.dispatch('core/block-editor');
    var ref = media.reference && media.reference.reference ? media.reference.reference : null;
    if (media.resourceType === 'video') {
      be.insertBlocks(wp.blocks.createBlock('cloudinary-connector/video', {
        cloudName: media.cloudName || '', reference: ref, url: media.url,
        embedUrl: embedUrl(media.cloudName, ref, media.publicId),
      }));
      return;
    }
    if (media.resourceType !== 'image') {
      be.insertBlocks(wp.blocks.createBlock('core/file', { href: media.url, fileName: media.publicId, textLinkHref: media.url }));
      return;
    }
    var attrs = { url: media.url, alt: media.alt || '', cldReference: ref || { public_id: media.publicId, resource_type: media.resourceType, delivery_type: media.deliveryType, transformation: media.transformation || undefined } };
    if (media.srcset) { attrs.cldSrcset = media.srcset; attrs.cldSizes = media.sizes || ''; }
    // A gallery collects what is inserted while it is the selected block.
    var selected = wp.data.select('core/block-editor').getSelectedBlockClientId();
    var gallery = pendingGalleryBlock === selected && wp.data.select('core/block-editor').getBlock(pendingGalleryBlock);
    if (gallery && ref) {
      be.updateBlockAttributes(pendingGalleryBlock, {
        cloudName: media.cloudName || gallery.attributes.cloudName,
        items: gallery.attributes.items.concat([{ reference: ref, url: media.url, alt: media.alt || '' }]),
      });
      return;
    }
    var target = pendingImageBlock && wp.data.select('core/block-editor').getBlock(pendingImageBlock);
    if (target && target.name === 'core/image' && !target.attributes.url) {
      be.updateBlockAttributes(pendingImageBlock, attrs);
      pendingImageBlock = null;
      return;
    }
    be.insertBlocks(wp.blocks.createBlock('core/image', attrs));
  }

  function embedUrl(cloud, ref, publicId) {
    if (!mod || !cloud) return '';
    try {
      return mod.videoEmbedUrl({ id: cloud, cloud_name: cloud }, ref ? { reference: ref } : { publicId: publicId });
    } catch (e) {
      notify('warn', 'no embed URL for ' + publicId + ': ' + e.message);
      return '';
    }
  }

  var host = {
    apiVersion: '1.1.0',
    platform: cfg.platform,
    environment: cfg.environment,
    manifest: cfg.manifest || undefined,
    storage: storage,
    ui: { slot: function (name) { return slots[name] || null; } },
    editor: { insertMedia: insertMedia },
    getSignerToken: getSignerToken,
    signerUrl: cfg.signerUrl,
    scripts: cfg.scripts,
    log: {
      info: function (m) { notify('info', m); },
      warn: function (m) { notify('warn', m); },
      error: function (m) { notify('error', m); },
    },
  };

  // ---- the plugin: loaded once per editor page, activated (or updated, then activated) --------
  var mod = null;
  var ready = import(cfg.pkgUrl).then(function (m) {
    return Promise.resolve(m.default()).then(function () { return m; });
  }).then(function (m) {
    mod = m;
    var record = storage.get('settings');
    var writtenBy = record ? JSON.parse(record).writtenBy : null;
    if (writtenBy && writtenBy !== m.version()) {
      m.update(host, writtenBy);
    }
    m.activate(host);
    window.cloudinaryConnectorWpReady = true;
    return m;
  }).catch(function (e) {
    // The editor keeps working without Cloudinary.
    notify('error', (e && e.message) || String(e));
    throw e;
  });
  window.cloudinaryConnectorWpLoaded = ready.then(function () { return true; }, function () { return false; });

  // ---- the sidebar: the plugin's toolbar and panel ---------------------------------------------
  function SlotHost() {
    var ref = useRef(null);
    useEffect(function () {
      var box = ref.current;
      box.append(slots.toolbar, slots.panel);
      return function () { slots.toolbar.remove(); slots.panel.remove(); };
    }, []);
    return el('div', { ref: ref, className: 'cldc-wp-sidebar' });
  }
  function openCloudinary(then) {
    wp.data.dispatch('core/edit-post').openGeneralSidebar(SIDEBAR + '/' + SIDEBAR);
    // The panel's own buttons open the widgets; wait until React has put the slot in the page.
    var tries = 0;
    (function click() {
      var button = slots.panel.querySelector(then);
      if (button && slots.panel.isConnected) return button.click();
      if (++tries < 50) setTimeout(click, 20);
    })();
  }
  wp.plugins.registerPlugin(SIDEBAR, {
    icon: 'cloud',
    render: function () {
      return el(Fragment, null,
        el(wp.editPost.PluginSidebarMoreMenuItem, { target: SIDEBAR, icon: 'cloud' }, __('Cloudinary')),
        el(wp.editPost.PluginSidebar, { name: SIDEBAR, title: __('Cloudinary'), icon: 'cloud' }, el(SlotHost)));
    },
  });

  // ---- the image block: "Insert from Cloudinary" and the reference attributes ----------------
  wp.hooks.addFilter('blocks.registerBlockType', 'cloudinary-connector/image-attributes', function (settings, name) {
    if (name !== 'core/image') return settings;
    var attributes = Object.assign({}, settings.attributes, {
      cldReference: { type: 'object' },
      cldSrcset: { type: 'string' },
      cldSizes: { type: 'string' },
    });
    return Object.assign({}, settings, { attributes: attributes });
  });
  var withCloudinaryButton = wp.compose.createHigherOrderComponent(function (BlockEdit) {
    return function (props) {
      if (props.name !== 'core/image' || props.attributes.url) return el(BlockEdit, props);
      return el(Fragment, null,
        el(BlockEdit, props),
        el(wp.blockEditor.BlockControls, { group: 'other' },
          el(wp.components.ToolbarButton, {
            className: 'cldc-wp-insert-from-cloudinary',
            icon: 'cloud',
            label: __('Insert from Cloudinary'),
            text: __('Cloudinary'),
            onClick: function () { pendingImageBlock = props.clientId; openCloudinary('.cldc-ml'); },
          })));
    };
  }, 'withCloudinaryButton');
  wp.hooks.addFilter('editor.BlockEdit', 'cloudinary-connector/image-button', withCloudinaryButton);

  // ---- the plugin's blocks --------------------------------------------------------------------
  // Both save plain markup that renders with or without the plugin (the saved post keeps working
  // delivery URLs); the editor previews them with Cloudinary's own Video Player / Product Gallery.
  function useWidgets() {
    var s = useState(null);
    useEffect(function () {
      var alive = true;
      ready.then(function (m) {
        if (!alive) return;
        s[1](new m.Widgets({
          platform: cfg.platform.name, platformVersion: cfg.platform.version, environment: cfg.environment,
          scripts: cfg.scripts, signerUrl: cfg.signerUrl || undefined, token: cfg.signerUrl ? getSignerToken : undefined,
        }));
      });
      return function () { alive = false; };
    }, []);
    return s[0];
  }
  function Preview(props) {
    var ref = useRef(null);
    var widgets = useWidgets();
    var key = JSON.stringify(props.options);
    useEffect(function () {
      if (!widgets || !props.cloudName) return undefined;
      var handle = null;
      var gone = false;
      var account = { id: props.cloudName, cloud_name: props.cloudName };
      widgets[props.mount](account, props.options, ref.current).then(function (h) {
        if (gone) h.unmount(); else handle = h;
      }, function (e) { if (!gone) notify('error', e.message); });
      return function () { gone = true; if (handle) handle.unmount(); };
    }, [widgets, props.cloudName, key]);
    return el('div', { ref: ref, className: 'cldc-wp-preview' });
  }
  function textField(props, name, label, help) {
    return el(wp.components.TextControl, {
      label: label, help: help, value: props.attributes[name] || '',
      onChange: function (v) { var a = {}; a[name] = v; props.setAttributes(a); },
    });
  }

  wp.blocks.registerBlockType('cloudinary-connector/video', {
    apiVersion: 3,
    title: __('Cloudinary Video'),
    description: __("A video played by Cloudinary's Video Player."),
    category: 'media',
    icon: 'video-alt3',
    attributes: {
      cloudName: { type: 'string', default: '' },
      reference: { type: 'object' },
      url: { type: 'string', default: '' },
      embedUrl: { type: 'string', default: '' },
    },
    edit: function (props) {
      var a = props.attributes;
      var bp = wp.blockEditor.useBlockProps();
      var options = a.reference ? { reference: a.reference } : null;
      // The editor's canvas is an iframe and Cloudinary's scripts run in the editor's window,
      // where they look their elements up: the player previews in the block's settings sidebar.
      return el('div', bp,
        el(wp.blockEditor.InspectorControls, null, el(wp.components.PanelBody, { title: __('Video') },
          textField(props, 'cloudName', __('Cloud name')),
          options && a.cloudName ? el(Preview, { mount: 'mountVideoPlayer', cloudName: a.cloudName, options: options }) : null)),
        a.url
          ? el('video', { controls: true, preload: 'metadata', src: a.url })
          : el(wp.components.Placeholder, { icon: 'video-alt3', label: __('Cloudinary Video'), instructions: __('Choose a video in the Cloudinary sidebar (Browse Media Library).') },
            el(wp.components.Button, { variant: 'primary', onClick: function () { openCloudinary('.cldc-ml'); } }, __('Open Cloudinary'))));
    },
    // Saved as a plain HTML5 video of the delivery URL (allowed for every role, plays without the
    // plugin); while the plugin is active, WordPress renders Cloudinary's embed player in its place
    // (includes/editor.php, cldc_render_video_block).
    save: function (props) {
      var a = props.attributes;
      var bp = wp.blockEditor.useBlockProps.save();
      return el('figure', bp, a.url ? el('video', { controls: true, preload: 'metadata', src: a.url }) : null);
    },
  });

  wp.blocks.registerBlockType('cloudinary-connector/gallery', {
    apiVersion: 3,
    title: __('Cloudinary Product Gallery'),
    description: __("Images shown by Cloudinary's Product Gallery."),
    category: 'media',
    icon: 'format-gallery',
    attributes: {
      cloudName: { type: 'string', default: '' },
      items: { type: 'array', default: [] }, // [{reference, url, alt}]
    },
    edit: function (props) {
      var a = props.attributes;
      var bp = wp.blockEditor.useBlockProps();
      var add = el(wp.components.Button, {
        variant: 'primary', className: 'cldc-wp-gallery-add',
        onClick: function () { pendingGalleryBlock = props.clientId; openCloudinary('.cldc-ml'); },
      }, __('Add images from Cloudinary'));
      var options = { mediaAssets: a.items.map(function (i) { return i.reference; }) };
      return el('div', bp,
        el(wp.blockEditor.InspectorControls, null, el(wp.components.PanelBody, { title: __('Product Gallery') },
          a.items.length && a.cloudName ? el(Preview, { mount: 'mountProductGallery', cloudName: a.cloudName, options: options }) : null)),
        a.items.length
          ? el(Fragment, null, a.items.map(function (i) { return el('img', { key: i.url, src: i.url, alt: i.alt || '', style: { maxWidth: '30%', margin: '0 4px 4px 0' } }); }), el('div', null, add))
          : el(wp.components.Placeholder, { icon: 'format-gallery', label: __('Cloudinary Product Gallery'), instructions: __('Choose the images in the Cloudinary Media Library.') }, add));
    },
    // The saved markup is the images themselves (full delivery URLs), so the post shows them with
    // or without the plugin.
    save: function (props) {
      var bp = wp.blockEditor.useBlockProps.save();
      return el('div', bp, props.attributes.items.map(function (i) {
        return el('figure', { key: i.url }, el('img', { src: i.url, alt: i.alt || '' }));
      }));
    },
  });
})(window.wp, window.cloudinaryConnectorWp);
