// Cloudinary Connector for Decap CMS (3.x): a media library for `CMS.registerMediaLibrary`.
// Unlike Decap's own Cloudinary library it logs the user in to the Media Library with a signature
// from the signer (no separate Cloudinary login), passes the partner `integration` object, applies
// field-level options (`media_library: {allow_multiple, config}`) over the global ones, and stores
// full delivery URLs built by the connector's URL engine from the asset reference: the folder path
// stays in the public id and previews work (no `output_filename_only`). README "Decap CMS".
//
//   <script>window.CMS_MANUAL_INIT = true;</script>
//   <script src="decap-cms.js"></script>
//   <script type="module">
//     import init, * as connector from 'cloudinary-connector/web';
//     import { cloudinaryMediaLibrary } from 'cloudinary-connector/decap-cms';
//     await init();
//     CMS.registerMediaLibrary(cloudinaryMediaLibrary({ connector,
//       account: { id: 'main', cloud_name: 'demo', api_key: '...' },
//       widgets: { platformVersion: '3.16.3', signerUrl: 'https://signer.example.com', token: () => getToken() } }));
//     CMS.init({ config: { ..., media_library: { name: 'cloudinary-connector', config: { multiple: true } } } });
//   </script>
//
// The Media Library is mounted when Decap asks to show it and unmounted after an insert, when the
// widget closes, and on `hide()`: between uses nothing of it is on the page. Decap has no hook to
// unregister a media library: removal is deleting the registration (and `media_library`) from the
// admin page; stored entries keep working URLs.

export const DEFAULT_NAME = 'cloudinary-connector';
const OPTION_KEYS = ['connector', 'account', 'widgets', 'name', 'delivery', 'onError'];
// Keys of `media_library.config` the adapter reads itself; every other key is a Media Library
// option (Cloudinary's names, checked by the connector).
const ADAPTER_CONFIG_KEYS = ['use_transformations'];

function invalid(message) {
  const e = new Error(`cloudinary media library: ${message}`);
  e.code = 'invalid_options';
  return e;
}

/** The URL options of a stored reference on `account`. */
export function urlOptions(reference, account, useTransformation = true) {
  const o = { cloud_name: account.cloud_name, type: reference.delivery_type, resource_type: reference.resource_type };
  if (account.secure_distribution) o.secure_distribution = account.secure_distribution;
  if (account.private_cdn) o.private_cdn = true;
  if (reference.version !== undefined) o.version = reference.version;
  if (reference.format) o.format = reference.format;
  // The user's transformation from the widget, as its own component (f_auto,q_auto follow it).
  if (useTransformation && reference.transformation) o.transformation = [{ raw_transformation: reference.transformation }];
  return o;
}

/** A media library for `CMS.registerMediaLibrary`: `{name, init}`. */
export function cloudinaryMediaLibrary(options) {
  if (!options || typeof options !== 'object') throw invalid('cloudinaryMediaLibrary(options) needs {connector, account, widgets?}');
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) throw invalid(`unknown option "${k}" (expected one of ${OPTION_KEYS.join(', ')})`);
  }
  const { connector, account, widgets = {}, name = DEFAULT_NAME, delivery = {}, onError } = options;
  if (!connector || typeof connector.Widgets !== 'function' || typeof connector.deliveryUrl !== 'function') {
    throw invalid('`connector` must be the initialised cloudinary-connector module (import * as connector; await init())');
  }
  if (!account || typeof account.id !== 'string' || typeof account.cloud_name !== 'string') {
    throw invalid('`account` must be {id, cloud_name, api_key?} (the signer\'s account id and its cloud)');
  }
  const report = typeof onError === 'function' ? onError : (e) => console.error(`Cloudinary: ${e.message}`);
  // Decap exposes no version at run time: `widgets.platformVersion` (the site's Decap version,
  // for the integration object and the User-Agent) is required; bad widget settings throw here.
  const mounter = new connector.Widgets({ platform: 'Decap CMS', ...widgets });

  return {
    name,
    init({ options: libraryOptions = {}, handleInsert } = {}) {
      const global = { ...(libraryOptions.config ?? {}) };
      let current = null; // {handle, settled}: the mounted Media Library, between show and insert/close
      let generation = 0;

      const release = () => {
        generation += 1;
        if (current) { current.free(); current = null; }
      };

      const urlOf = (reference, useTransformations) => connector.deliveryUrl(reference.public_id, urlOptions(reference, account, useTransformations), delivery);

      const show = ({ config: fieldConfig, allowMultiple, imagesOnly } = {}) => {
        release();
        const mine = generation;
        const merged = { ...global, ...(fieldConfig ?? {}) };
        const useTransformations = merged.use_transformations !== false;
        const mlOptions = Object.fromEntries(Object.entries(merged).filter(([k]) => !ADAPTER_CONFIG_KEYS.includes(k)));
        if (allowMultiple === false) mlOptions.multiple = false;
        // A global max_files does not carry over to a single-asset field (the field's own does).
        if (mlOptions.multiple !== true && !Object.hasOwn(fieldConfig ?? {}, 'max_files')) delete mlOptions.max_files;
        const multiple = mlOptions.multiple === true;
        mounter.mountMediaLibrary(account, mlOptions, {
          onInsert: ({ assets, stored }) => {
            const urls = [];
            assets.forEach((asset, i) => {
              const reference = stored[i].reference;
              if (imagesOnly && asset.resource_type !== 'image') {
                report(invalid(`${asset.public_id} is a ${asset.resource_type}: this field takes images only`));
              } else if (reference.delivery_type !== 'upload') {
                report(invalid(`${asset.public_id} is delivered as "${reference.delivery_type}": only public (upload) assets can be stored as URLs`));
              } else {
                try { urls.push(urlOf(reference, useTransformations)); } catch (e) { report(e); }
              }
            });
            // After the widget's own callback has returned, and once: Decap records the field
            // that asked before it can take an insert.
            release();
            if (urls.length > 0 && handleInsert) queueMicrotask(() => handleInsert(multiple && urls.length > 1 ? urls : urls[0]));
          },
          onError: (message) => report(invalid(message)),
          onHide: () => { if (generation === mine) queueMicrotask(() => { if (generation === mine) release(); }); },
        }).then((handle) => {
          if (generation !== mine) { handle.free(); return; } // hidden (or shown again) meanwhile
          current = handle;
          handle.show();
        }, report);
      };

      return { show, hide: release, enableStandalone: () => true };
    },
  };
}
