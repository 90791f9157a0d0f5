//! The TypeScript declarations of the JS API's objects (everything `unchecked_param_type` and
//! `unchecked_return_type` name in `src/web/`): the generated `.d.ts` has no `any` in its
//! public surface (checked by `tests/e2e/npm-types.test.mjs` with `tsc --strict`). The shapes are
//! the ones the Rust side reads and writes (`core::widgets`, `core::accounts`, `host::api`);
//! unknown option names are refused at run time as well as by the compiler.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** `prod` unless told otherwise; the long forms are accepted too. */
export type Environment = "prod" | "stag" | "dev" | "production" | "staging" | "development";

/** The Media Library widget's `integration` object, in Cloudinary's documented key order. */
export interface IntegrationInfo { type: string; platform: string; version: string; environment: string; }

/** A JSON value as the widgets hand it over (`info` of an Upload widget event). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// ---- host extension API 1.x (docs/host-api.md) ----

/** What a host gives the plugin's lifecycle exports (docs/host-api.md §2). */
export interface Host {
  apiVersion: string;
  platform: { name: string; version: string };
  environment: Environment;
  manifest?: string;
  storage: {
    get(key: string): string | null;
    set(key: string, value: string): void;
    remove(key: string): void;
    keys(): string[];
  };
  ui: { slot(name: "toolbar" | "panel" | "dialog"): Element | null };
  editor?: { insertMedia(media: Media): void };
  getSignerToken(): Promise<string> | string;
  signerUrl?: string | null;
  signerTimeoutMs?: number;
  scripts?: ScriptUrls;
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

/** What the plugin inserts into a host's editor. */
export interface Media {
  url: string; alt: string; publicId: string; resourceType: "image" | "video" | "raw";
  deliveryType: string; transformation: string; reference?: StoredAsset;
}

export interface InstallResult { version: string; keptSettings: boolean; migrations: string[]; }
export interface UpdateResult { from: string; to: string; migrations: string[]; }
export interface UninstallOptions { keepData: boolean; }
export interface UninstallResult { removedKeys: number; }
export interface PluginStatus { state: "loaded" | "inactive" | "active" | "uninstalled"; version: string; features: string[]; }

// ---- widgets ----

/** Self-hosted widget scripts (http://127.0.0.1 or https URLs). */
export interface ScriptUrls {
  media_library?: string; upload_widget?: string; product_gallery?: string;
  video_player?: string; video_player_css?: string;
}

/** A signer token: a string, or a function returning one (or a promise of one) per request. */
export type TokenSource = string | (() => string | Promise<string>);

/** `new Widgets(config)`. */
export interface WidgetsConfig {
  platform: string; platformVersion: string; environment?: Environment;
  enabled?: boolean; scripts?: ScriptUrls; nonce?: string;
  /** Script load timeout (ms). */
  timeoutMs?: number;
  signerUrl?: string;
  /** 1 to 600000, default 30000. */
  signerTimeoutMs?: number;
  /** Needed with `signerUrl`. */
  token?: TokenSource;
  sync?: "reference" | "fixed_url";
}

/** The Cloudinary account (or sub-account) a widget is mounted for: never a secret. */
export interface CloudAccount {
  /** The signer's account id. */
  id: string; cloud_name: string; api_key?: string | null;
  secure_distribution?: string | null; private_cdn?: boolean;
  unsigned_upload_presets?: string[];
}

/** Cloudinary's transformation object as the Media Library takes it (`{width: 400, crop: "fill"}`). */
export type TransformationObject = { [option: string]: string | number | boolean };

/** Media Library options (Cloudinary's names). */
export interface MediaLibraryOptions {
  multiple?: boolean; max_files?: number;
  /** `"f_auto,q_auto"` (the default), `false`/`null` for none, or the documented array of chains. */
  default_transformations?: string | false | null | TransformationObject[][];
  folder?: string | { path: string; resource_type?: "image" | "video" | "raw" | "auto" | null };
  insert_caption?: string; remove_header?: boolean; button_caption?: string; button_class?: string;
  insert_transformation?: boolean; z_index?: number; username?: string;
}

/** A stored pointer to an asset, from which URLs are rebuilt (`referenceUrl`). */
export interface AssetReference {
  public_id: string; version?: number; resource_type: string; delivery_type: string;
  format?: string; transformation?: string;
}

/** What a host stores for an inserted asset (`fixed_url` with `sync: "fixed_url"` only). */
export interface StoredAsset { reference: AssetReference; fixed_url?: string; }

/** One asset from a widget, normalised. */
export interface Asset {
  public_id: string; resource_type: "image" | "video" | "raw"; delivery_type: string; version: number;
  format?: string; width?: number; height?: number; bytes?: number; duration?: number;
  /** The derived URL when the user applied a transformation, else the asset's `secure_url`. */
  url: string; original_url: string; transformation?: string;
}

/** `onInsert`'s argument: the assets and, index for index, what to store. */
export interface InsertEvent { assets: Asset[]; stored: StoredAsset[]; }

export interface MediaLibraryHandlers {
  onInsert(event: InsertEvent): void;
  /** A bad insert (an asset the widget described wrongly): its message. */
  onError?(message: string): void;
  onShow?(): void;
  onHide?(): void;
}

/** Upload widget options (Cloudinary's camelCase names) plus `signed` (default true). */
export interface UploadWidgetOptions {
  signed?: boolean; uploadPreset?: string; sources?: string[]; defaultSource?: string;
  folder?: string; tags?: string[]; clientAllowedFormats?: string[];
  maxFileSize?: number; maxImageFileSize?: number; maxVideoFileSize?: number; maxRawFileSize?: number;
  maxImageWidth?: number; maxImageHeight?: number; maxChunkSize?: number;
  multiple?: boolean; maxFiles?: number; resourceType?: "image" | "video" | "raw" | "auto";
  cropping?: boolean; language?: string;
}

/** Every Upload widget callback, normalised: `asset` on `success`, `error` on `"error"`. */
export interface UploadEvent { event: string; info: JsonValue; asset?: Asset; error?: string; }

export interface GalleryAssetOptions { publicId: string; mediaType?: "image" | "video" | string; altText?: string; }

/** Product Gallery options. */
export interface GalleryOptions {
  mediaAssets: Array<string | AssetReference | GalleryAssetOptions>;
  aspectRatio?: string; carouselStyle?: string; carouselLocation?: string; transition?: string;
  zoom?: boolean; displayProps?: { mode?: string };
}

/** Video Player (and embed) options: `publicId` or a stored `reference`. */
export interface VideoPlayerOptions {
  publicId?: string; reference?: AssetReference; transformation?: string;
  controls?: boolean; autoplay?: boolean; muted?: boolean; loop?: boolean; fluid?: boolean;
  /** Chain `q_auto` after the source's transformation (default true). */
  optimize?: boolean;
}

/** Where a stored reference is delivered. */
export interface DeliveryTarget {
  cloud_name: string; secure_distribution?: string | null; private_cdn?: boolean;
  /** Chain `f_auto,q_auto` (default true). */
  optimize?: boolean;
}

// ---- chunked upload ----

/** `new ChunkedUpload(file, options, onProgress?)`. */
export interface ChunkedUploadOptions {
  signerUrl: string; token: TokenSource; account?: string;
  /** The Upload API base (default `https://api.cloudinary.com`). */
  apiBase?: string;
  resourceType?: "auto" | "image" | "video" | "raw";
  /** Upload parameters to sign and send (`folder`, `tags`, `context` as `k=v|k2=v2`, ...). */
  params?: { [name: string]: string | number | boolean | null | Array<string | number> };
  chunkSize?: number; concurrency?: number; maxFileBytes?: number; maxAttempts?: number;
  requestTimeoutMs?: number; signerTimeoutMs?: number; fileName?: string;
}

/** Progress of a chunked upload, in bytes and parts. */
export interface UploadProgress { total: number; confirmed: number; inFlight: number; partsDone: number; parts: number; fraction: number; }

/** Cloudinary's upload response (the fields every upload has; others pass through). */
export interface UploadResult {
  public_id: string; version: number; resource_type: string; type: string;
  secure_url: string; url?: string; bytes: number; format?: string; width?: number; height?: number;
  [field: string]: JsonValue | undefined;
}

// ---- accounts ----

export type Role = "viewer" | "uploader" | "admin";
export type Product = "programmable_media" | "dam";

/** The current cloud (an account or one of its sub-accounts) and what the user may do there. */
export interface Cloud {
  account: string; accountLabel: string; subAccount: string; subAccountLabel: string;
  cloudName: string; apiKey: string; product: Product; role: Role; user: string;
  /** What to ask the signer for. */
  signerAccount: string;
  /** The `account` argument of the `Widgets` mounts. */
  widgetAccount: { id: string; cloud_name: string; api_key: string };
  grants: { uploadParams: string[]; uploadPresets: string[]; folderPrefix: string; deliveryTypes: string[]; mediaLibrary: boolean };
}

export type NoticeKind = "loggedIn" | "loggedOut" | "loggedOutInAnotherTab" | "sessionExpired" | "accessRevoked"
  | "userChanged" | "subAccountRemoved" | "roleChanged" | "productChanged" | "switchedTo" | "noAccountSelected";

/** What the host must do after an accounts call, in order. */
export type AccountsEffect =
  | { type: "cancelPending"; account: string }
  | { type: "unmountWidgetsOf"; account: string }
  | { type: "dropCachedSignatures"; account: string }
  | { type: "notify"; kind: NoticeKind; text: string }
  | { type: "remountOn"; cloud: Cloud }
  | { type: "noCurrentAccount" }
  | { type: "persisted" };

export interface RestoreReport { effects: AccountsEffect[]; issues: string[]; loadError: string | null; }

export interface AccountsState {
  current: Cloud | null;
  accounts: Array<{
    id: string; label: string; listedLabel: string; role: Role; loggedIn: boolean; expiresAt: number | null;
    subAccounts: Array<{ id: string; label: string; cloudName: string; role: Role; product: Product }>;
  }>;
}

export type Feature = "MediaLibrary" | "Upload" | "OptimizedDelivery" | "DeliveryTransformations" | "SignedDelivery"
  | "ProductGallery" | "VideoPlayer" | "ManageAccount";

export interface AccountFeatures {
  features: Array<{ feature: Feature; enabled: boolean; reason: string | null }>;
  defaultTransformation: string | null;
}

export interface RemoteSubAccount {
  id: string; name: string; cloudName: string; enabled: boolean;
  status: "usable" | "disabled" | "notConfigured" | "notGranted"; subAccount: string | null; text: string;
}
"#;
