// Cloudinary Connector for CKEditor 5 (48.x): a CKEditor `Plugin` with two toolbar buttons,
// `cloudinaryMediaLibrary` and `cloudinaryUpload`. Both insert `imageBlock`s whose `src` and
// `srcset` come from the connector's URL engine and whose stored asset reference is kept in the
// model (`cloudinaryReference`, written to the data as `data-cloudinary-reference` on the
// `<img>`), so URLs can be rebuilt later. `destroy()` (called by `editor.destroy()`) unmounts
// the widgets it mounted: nothing of it stays on the page. README "CKEditor 5".
//
//   import { ClassicEditor, Essentials, Paragraph, Image } from 'ckeditor5';
//   import init, * as connector from 'cloudinary-connector/web';   // or 'cloudinary-connector' (bundler)
//   import { CloudinaryConnector } from 'cloudinary-connector/ckeditor5';
//   await init();
//   ClassicEditor.create(el, { licenseKey: 'GPL', plugins: [Essentials, Paragraph, Image, CloudinaryConnector],
//     toolbar: ['cloudinaryMediaLibrary', 'cloudinaryUpload'],
//     cloudinary: { connector, account: { id: 'main', cloud_name: 'demo', api_key: '...' },
//                   widgets: { signerUrl: 'https://signer.example.com', token: () => getToken() } } });
//
// It imports the host's own `ckeditor5` module (a second copy fails with
// `ckeditor-duplicated-modules`): map `ckeditor5` with an import map, or let the bundler resolve it.
import { ButtonView, ImageBlockEditing, ImageUtils, Plugin, version as ckeditorVersion } from 'ckeditor5';

/** The model attribute holding the stored asset reference (JSON text). */
export const REFERENCE_ATTRIBUTE = 'cloudinaryReference';
/** Its attribute on the `<img>` in the editor's data. */
export const REFERENCE_DATA_ATTRIBUTE = 'data-cloudinary-reference';

const DEFAULT_BREAKPOINTS = Object.freeze({ min_width: 320, max_width: 1600, max_images: 5 });
const CONFIG_KEYS = ['connector', 'account', 'widgets', 'mediaLibrary', 'upload', 'image', 'onError'];

function configError(message) {
  const e = new Error(`cloudinary config: ${message}`);
  e.code = 'invalid_options';
  return e;
}

/** Checks the editor's `cloudinary` configuration; throws a `ConnectorError` naming the problem. */
export function readConfig(config) {
  if (!config || typeof config !== 'object') throw configError('the editor configuration has no `cloudinary` object');
  for (const k of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(k)) throw configError(`unknown key "${k}" (expected one of ${CONFIG_KEYS.join(', ')})`);
  }
  const c = config.connector;
  if (!c || typeof c.Widgets !== 'function' || typeof c.deliveryUrl !== 'function' || typeof c.srcset !== 'function') {
    throw configError('`connector` must be the initialised cloudinary-connector module (import * as connector; await init())');
  }
  const a = config.account;
  if (!a || typeof a.id !== 'string' || typeof a.cloud_name !== 'string') {
    throw configError('`account` must be {id, cloud_name, api_key?} (the signer\'s account id and its cloud)');
  }
  if (config.onError !== undefined && typeof config.onError !== 'function') throw configError('`onError` must be a function');
  const image = config.image ?? {};
  return {
    connector: c,
    account: a,
    widgets: config.widgets ?? {},
    mediaLibrary: config.mediaLibrary ?? {},
    upload: config.upload ?? {},
    transformation: image.transformation ?? {},
    breakpoints: image.breakpoints ?? DEFAULT_BREAKPOINTS,
    delivery: image.delivery ?? {},
    onError: config.onError ?? null,
  };
}

/** The URL options of a stored reference on `account`: the user's transformation from the widget
 * (`reference.transformation`), then the host's `transformation`, each its own component. */
export function urlOptions(reference, account, transformation = {}) {
  const o = { cloud_name: account.cloud_name, type: reference.delivery_type, resource_type: reference.resource_type };
  if (account.secure_distribution) o.secure_distribution = account.secure_distribution;
  if (account.private_cdn) o.private_cdn = true;
  if (reference.version !== undefined) o.version = reference.version;
  if (reference.format) o.format = reference.format;
  const chain = [];
  if (reference.transformation) chain.push({ raw_transformation: reference.transformation });
  if (Object.keys(transformation).length > 0) chain.push(transformation);
  if (chain.length > 0) o.transformation = chain;
  return o;
}

/** `{src, srcset}` of a stored reference: `deliveryUrl` and `srcset` of the connector. */
export function imageSources(connector, reference, account, { transformation = {}, breakpoints = DEFAULT_BREAKPOINTS, delivery = {} } = {}) {
  const options = urlOptions(reference, account, transformation);
  return {
    src: connector.deliveryUrl(reference.public_id, options, delivery),
    srcset: connector.srcset(reference.public_id, options, breakpoints, delivery).srcset,
  };
}

export class CloudinaryConnector extends Plugin {
  static get pluginName() { return 'CloudinaryConnector'; }
  static get requires() { return [ImageBlockEditing, ImageUtils]; }

  init() {
    const editor = this.editor;
    this._config = readConfig(editor.config.get('cloudinary'));
    const { connector } = this._config;
    this._widgets = new connector.Widgets({ platform: 'CKEditor 5', platformVersion: ckeditorVersion, ...this._config.widgets });
    this._mediaLibrary = null; // a promise of the MediaLibraryHandle, mounted on first use
    this._upload = null;       // a promise of the UploadWidgetHandle
    this._handles = new Set(); // the mounted handles, freed by destroy()
    this._destroyed = false;

    editor.model.schema.extend('imageBlock', { allowAttributes: [REFERENCE_ATTRIBUTE] });
    const imageUtils = editor.plugins.get('ImageUtils');
    // Downcast onto the <img> inside the <figure> (as CKEditor's own srcset conversion does).
    editor.conversion.for('downcast').add((dispatcher) => dispatcher.on(`attribute:${REFERENCE_ATTRIBUTE}:imageBlock`, (evt, data, api) => {
      if (!api.consumable.consume(data.item, evt.name)) return;
      const img = imageUtils.findViewImgElement(api.mapper.toViewElement(data.item));
      if (!img) return;
      if (data.attributeNewValue === null) api.writer.removeAttribute(REFERENCE_DATA_ATTRIBUTE, img);
      else api.writer.setAttribute(REFERENCE_DATA_ATTRIBUTE, data.attributeNewValue, img);
    }));
    editor.conversion.for('upcast').add((dispatcher) => dispatcher.on('element:img', (evt, data, api) => {
      if (!data.modelRange || !data.viewItem.hasAttribute(REFERENCE_DATA_ATTRIBUTE)) return;
      if (!api.consumable.consume(data.viewItem, { attributes: [REFERENCE_DATA_ATTRIBUTE] })) return;
      const image = first(data.modelRange.getItems({ shallow: true }));
      if (image && image.is('element', 'imageBlock')) {
        api.writer.setAttribute(REFERENCE_ATTRIBUTE, data.viewItem.getAttribute(REFERENCE_DATA_ATTRIBUTE), image);
      }
    }, { priority: 'low' }));

    const t = editor.locale.t;
    editor.ui.componentFactory.add('cloudinaryMediaLibrary', (locale) => this._button(locale, t('Cloudinary Media Library'), () => this.openMediaLibrary()));
    if (this._config.upload !== false) {
      editor.ui.componentFactory.add('cloudinaryUpload', (locale) => this._button(locale, t('Upload to Cloudinary'), () => this.openUpload()));
    }
  }

  _button(locale, label, run) {
    const view = new ButtonView(locale);
    view.set({ label, withText: true, tooltip: true });
    this.listenTo(view, 'execute', () => { run().catch((e) => this._report(e)); });
    this.listenTo(this.editor, 'change:isReadOnly', () => { view.isEnabled = !this.editor.isReadOnly; });
    view.isEnabled = !this.editor.isReadOnly;
    return view;
  }

  /** Opens the Media Library (mounting it on first use); inserts what the user chooses. */
  async openMediaLibrary() {
    if (!this._mediaLibrary) {
      this._mediaLibrary = this._mount(() => this._widgets.mountMediaLibrary(this._config.account, this._config.mediaLibrary, {
        onInsert: (event) => this.insertAssets(event),
        onError: (message) => this._report(new Error(message)),
      }));
    }
    const ml = await this._mediaLibrary;
    if (ml) ml.show();
  }

  /** Opens the Upload widget (mounting it on first use); inserts each uploaded image. */
  async openUpload() {
    if (this._config.upload === false) return;
    if (!this._upload) {
      this._upload = this._mount(() => this._widgets.mountUploadWidget(this._config.account, this._config.upload, (event) => {
        if (event.event === 'success' && event.asset) {
          const reference = { public_id: event.asset.public_id, resource_type: event.asset.resource_type, delivery_type: event.asset.delivery_type, version: event.asset.version };
          if (event.asset.format) reference.format = event.asset.format;
          this.insertAssets({ assets: [event.asset], stored: [{ reference }] });
        } else if (event.event === 'error') {
          this._report(new Error(event.error ?? 'the upload failed'));
        }
      }));
    }
    const up = await this._upload;
    if (up) up.open();
  }

  // Mounts once; a mount that resolves after destroy() is unmounted at once. A failed mount is
  // forgotten, so the next click tries again.
  _mount(start) {
    const p = start().then((handle) => {
      if (this._destroyed) { handle.free(); return null; }
      this._handles.add(handle);
      return handle;
    });
    p.catch(() => {
      if (this._mediaLibrary === p) this._mediaLibrary = null;
      if (this._upload === p) this._upload = null;
    });
    return p;
  }

  /** Inserts the images of a Media Library insert (`{assets, stored}`), each as an `imageBlock`. */
  insertAssets({ assets, stored }) {
    if (this._destroyed) return;
    const editor = this.editor;
    const images = [];
    assets.forEach((asset, i) => {
      if (asset.resource_type !== 'image') {
        this._report(new Error(`${asset.public_id} is a ${asset.resource_type}, not an image: the CKEditor 5 adapter inserts images only`));
        return;
      }
      const reference = stored[i].reference;
      if (reference.delivery_type !== 'upload') {
        this._report(new Error(`${asset.public_id} is delivered as "${reference.delivery_type}": the CKEditor 5 adapter inserts public (upload) images only`));
        return;
      }
      try {
        images.push({ ...imageSources(this._config.connector, reference, this._config.account, this._config), reference });
      } catch (e) {
        this._report(e);
      }
    });
    if (images.length === 0) return;
    editor.model.change((writer) => {
      for (const { src, srcset, reference } of images) {
        const el = writer.createElement('imageBlock', { src, srcset, alt: '', [REFERENCE_ATTRIBUTE]: JSON.stringify(reference) });
        // Next to a selected object (an image), never in its place.
        const selected = editor.model.document.selection.getSelectedElement();
        const where = selected && editor.model.schema.isObject(selected) ? writer.createPositionAfter(selected) : null;
        editor.model.insertObject(el, where, null, { setSelection: 'after' });
      }
    });
  }

  _report(error) {
    if (this._config.onError) { this._config.onError(error); return; }
    if (this.editor.plugins.has('Notification')) {
      this.editor.plugins.get('Notification').showWarning(error.message, { title: 'Cloudinary', namespace: 'cloudinary' });
    } else {
      console.error(`Cloudinary: ${error.message}`);
    }
  }

  destroy() {
    this._destroyed = true;
    for (const h of this._handles) h.free();
    this._handles.clear();
    this._mediaLibrary = this._upload = null;
    if (this._widgets) { this._widgets.free(); this._widgets = null; }
    super.destroy();
  }
}

function first(iterable) {
  for (const x of iterable) return x;
  return null;
}
