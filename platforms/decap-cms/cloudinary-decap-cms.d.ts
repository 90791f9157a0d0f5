// Types of the Decap CMS adapter (`cloudinary-connector/decap-cms`).
import type { AssetReference, CloudAccount, ConnectorError, DeliveryDefaultsOptions, MediaLibraryOptions, UrlOptions, WidgetsConfig } from 'cloudinary-connector';

/** The connector module, initialised. */
export type Connector = typeof import('cloudinary-connector');

export interface CloudinaryMediaLibraryOptions {
  connector: Connector;
  account: CloudAccount;
  /** `Widgets` configuration: `platformVersion` (the site's Decap version) is required. */
  widgets: Partial<WidgetsConfig> & { platformVersion: string };
  /** The name to use in `media_library: {name}` (default `cloudinary-connector`). */
  name?: string;
  delivery?: DeliveryDefaultsOptions;
  onError?: (error: ConnectorError | Error) => void;
}

/** `media_library.config` (global) and a field's `media_library.config`: Media Library options,
 *  plus `use_transformations` (default true: keep the transformation the user applied). */
export type DecapLibraryConfig = MediaLibraryOptions & { use_transformations?: boolean };

/** What Decap passes to `show()`. */
export interface DecapShowArgs {
  id?: string; value?: string | string[]; config?: DecapLibraryConfig; allowMultiple?: boolean; imagesOnly?: boolean;
}

/** The instance `init` returns to Decap. */
export interface DecapMediaLibraryInstance {
  show(args?: DecapShowArgs): void;
  /** Unmounts the widget (also done after an insert and when the widget closes). */
  hide(): void;
  enableStandalone(): boolean;
}

/** What `CMS.registerMediaLibrary` takes. */
export interface DecapMediaLibrary {
  name: string;
  init(args: { options?: { name?: string; config?: DecapLibraryConfig }; handleInsert?: (value: string | string[]) => void }): DecapMediaLibraryInstance;
}

export declare const DEFAULT_NAME: 'cloudinary-connector';
/** A media library for `CMS.registerMediaLibrary`. Throws a `ConnectorError` (`invalid_options`) on bad options. */
export declare function cloudinaryMediaLibrary(options: CloudinaryMediaLibraryOptions): DecapMediaLibrary;
/** The URL options of a stored reference on `account`. */
export declare function urlOptions(reference: AssetReference, account: CloudAccount, useTransformation?: boolean): UrlOptions;
