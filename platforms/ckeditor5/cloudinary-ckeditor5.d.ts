// Types of the CKEditor 5 adapter (`cloudinary-connector/ckeditor5`). Self-contained: the
// connector's types come from the package; CKEditor's `Plugin` is described by what a host needs
// (the class is registered in `plugins: [...]` and configured under `cloudinary`).
import type {
  Asset, AssetReference, BreakpointOptions, CloudAccount, ConnectorError, DeliveryDefaultsOptions,
  InsertEvent, MediaLibraryOptions, UploadWidgetOptions, UrlOptions, WidgetsConfig,
} from 'cloudinary-connector';

/** The connector module, initialised (`import * as connector` and, for the web build, `await init()`). */
export type Connector = typeof import('cloudinary-connector');

/** The editor configuration's `cloudinary` object. */
export interface CloudinaryEditorConfig {
  connector: Connector;
  /** The Cloudinary account: the signer's account id and its cloud. */
  account: CloudAccount;
  /** `Widgets` configuration; `platform` and `platformVersion` default to CKEditor 5 and its version. */
  widgets?: Partial<WidgetsConfig>;
  mediaLibrary?: MediaLibraryOptions;
  /** `false`: no Upload button. */
  upload?: UploadWidgetOptions | false;
  image?: {
    /** Chained after the user's transformation from the widget (e.g. `{crop: 'limit', width: 1600}`). */
    transformation?: UrlOptions;
    /** The srcset widths (default `{min_width: 320, max_width: 1600, max_images: 5}`). */
    breakpoints?: BreakpointOptions;
    delivery?: DeliveryDefaultsOptions;
  };
  /** Where insert and mount failures go (default: CKEditor's Notification, else the console). */
  onError?: (error: ConnectorError | Error) => void;
}

/** The model attribute holding the stored asset reference (JSON text). */
export declare const REFERENCE_ATTRIBUTE: 'cloudinaryReference';
/** Its attribute on the `<img>` in the editor's data. */
export declare const REFERENCE_DATA_ATTRIBUTE: 'data-cloudinary-reference';

/** The CKEditor 5 plugin: toolbar items `cloudinaryMediaLibrary` and `cloudinaryUpload`. */
export declare class CloudinaryConnector {
  static readonly pluginName: 'CloudinaryConnector';
  static readonly requires: ReadonlyArray<unknown>;
  constructor(editor: unknown);
  init(): void;
  /** Opens the Media Library (mounting it on first use). */
  openMediaLibrary(): Promise<void>;
  /** Opens the Upload widget (mounting it on first use). */
  openUpload(): Promise<void>;
  /** Inserts the images of an insert as `imageBlock`s. */
  insertAssets(event: InsertEvent): void;
  /** Unmounts everything the plugin mounted (called by `editor.destroy()`). */
  destroy(): void;
}

/** Checks a `cloudinary` configuration; throws a `ConnectorError` (`invalid_options`) naming the problem. */
export declare function readConfig(config: CloudinaryEditorConfig): Required<Omit<CloudinaryEditorConfig, 'image' | 'onError'>>;
/** The URL options of a stored reference on `account`. */
export declare function urlOptions(reference: AssetReference, account: CloudAccount, transformation?: UrlOptions): UrlOptions;
/** `{src, srcset}` of a stored reference (the connector's `deliveryUrl` and `srcset`). */
export declare function imageSources(connector: Connector, reference: AssetReference, account: CloudAccount,
  options?: { transformation?: UrlOptions; breakpoints?: BreakpointOptions; delivery?: DeliveryDefaultsOptions }): { src: string; srcset: string };

export type { Asset };
