// TEST (never shipped): uses every export of the npm package, typed, as an application would.
// tests/e2e/npm-types.test.mjs runs `tsc --noEmit --strict` over it against the packed package
// (its exports/types entries) and checks that every export named in the .d.ts is used here.
import {
  Accounts, ChunkedUpload, UploadQueue, MediaLibraryHandle, ProductGalleryHandle, UploadWidgetHandle, UrlFactory,
  VideoEmbedHandle, VideoPlayerHandle, Widgets, activate, breakpoints, checkTransformation, config,
  deactivate, deliveryUrl, hostApiVersion, install, integrationInfo, manifest, referenceUrl,
  referenceUrlWithSigner, resetConfig, signedSrcset, signedUrl, srcset, srcsetToSign, srcsetWithSigner,
  status, transformationString, uninstall, update, url, urlToSign, urlWithSigner, userAgent, version,
  videoEmbedUrl,
} from 'cloudinary-connector';
import type {
  ErrorCode, ConnectorError, TransformationOptions, LayerOptions, UrlOptions, UrlConfig, SignRequest,
  DeliverySignBody, DeliveryDefaultsOptions, BreakpointOptions, Environment, IntegrationInfo, JsonValue,
  Host, Media, InstallResult, UpdateResult, UninstallOptions, UninstallResult, PluginStatus, ScriptUrls,
  TokenSource, WidgetsConfig, CloudAccount, TransformationObject, MediaLibraryOptions, AssetReference,
  StoredAsset, Asset, InsertEvent, MediaLibraryHandlers, UploadWidgetOptions, UploadEvent,
  GalleryAssetOptions, GalleryOptions, VideoPlayerOptions, DeliveryTarget, ChunkedUploadOptions,
  UploadProgress, UploadResult, Role, Product, Cloud, NoticeKind, AccountsEffect, RestoreReport,
  AccountsState, Feature, AccountFeatures, RemoteSubAccount,
  UploadQueueOptions, QueueFileState, QueueFileStatus, QueueSummary, QueueLimits, UploadQueueEvent,
  QueueAddResult, UnfinishedUpload,
} from 'cloudinary-connector';
import { CloudinaryConnector, REFERENCE_ATTRIBUTE, REFERENCE_DATA_ATTRIBUTE, imageSources, readConfig, urlOptions } from 'cloudinary-connector/ckeditor5';
import type { CloudinaryEditorConfig, Connector } from 'cloudinary-connector/ckeditor5';
import { cloudinaryMediaLibrary, DEFAULT_NAME, urlOptions as decapUrlOptions } from 'cloudinary-connector/decap-cms';
import type { CloudinaryMediaLibraryOptions, DecapLibraryConfig, DecapMediaLibrary, DecapMediaLibraryInstance, DecapShowArgs } from 'cloudinary-connector/decap-cms';
import * as connector from 'cloudinary-connector';

// ---- URLs ----
const layer: LayerOptions = { public_id: 'logo', format: 'png' };
const t: TransformationOptions = { width: 300, crop: 'fill', overlay: layer, transformation: [{ effect: 'sepia' }] };
const o: UrlOptions = { cloud_name: 'demo', ...t, sign_url: false };
const c: UrlConfig = { cloud_name: 'demo', secure: true };
config(c);
const u: string = url('sample', o);
const req: SignRequest | null = urlToSign('sample', { ...o, sign_url: true, type: 'authenticated' });
const body: DeliverySignBody | undefined = req?.delivery;
const signed: string = req ? signedUrl('sample', o, 'abcdefgh') : u;
const d: DeliveryDefaultsOptions = { autoFormatQuality: true, analytics: false };
const bp: BreakpointOptions = { min_width: 200, max_width: 1600, max_images: 4 };
const widths: Uint32Array = breakpoints(bp);
const s1: { srcset: string; sizes: string } = srcset('sample', o, bp, d);
const reqs: Array<SignRequest | null> = srcsetToSign('sample', o, bp, d);
const s2 = signedSrcset('sample', o, bp, d, reqs.map((r) => (r ? 'sig' : null)));
const signer = async (r: SignRequest): Promise<string> => r.toSign.slice(0, r.length);
const p1: Promise<string> = urlWithSigner('sample', o, signer);
const p2: Promise<{ srcset: string; sizes: string }> = srcsetWithSigner('sample', o, bp, d, signer);
const du: string = deliveryUrl('sample', o, d);
const ts: string = transformationString(t);
const ct: string = checkTransformation('c_fill,w_100');
const factory = new UrlFactory(o);
const fu: string = factory.url('a');
resetConfig();

// ---- identity, lifecycle ----
const env: Environment = 'prod';
const info: IntegrationInfo = integrationInfo('My CMS', '1.0.0', env);
const ua: string = userAgent('My CMS', '1.0.0');
const v: string = version() + hostApiVersion() + manifest();
const scripts: ScriptUrls = { media_library: 'https://example.com/ml.js' };
const host: Host = {
  apiVersion: '1.0.0', platform: { name: 'My CMS', version: '1.0.0' }, environment: env,
  storage: { get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v), remove: (k) => localStorage.removeItem(k), keys: () => [] },
  ui: { slot: () => null },
  editor: { insertMedia: (m: Media) => void m.url },
  getSignerToken: () => 'token', signerUrl: null, scripts,
  log: { info: console.log, warn: console.warn, error: console.error },
};
const ir: InstallResult = install(host);
activate(host);
const ur: UpdateResult = update(host, '0.0.9');
const uo: UninstallOptions = { keepData: true };
const unr: UninstallResult = uninstall(host, uo);
const st: PluginStatus = status();
deactivate();

// ---- widgets ----
const token: TokenSource = () => Promise.resolve('jwt');
const wc: WidgetsConfig = { platform: 'My CMS', platformVersion: '1.0.0', signerUrl: 'https://signer.example.com', token, sync: 'reference' };
const widgets = new Widgets(wc);
const account: CloudAccount = { id: 'main', cloud_name: 'demo', api_key: '1234' };
const dt: TransformationObject[][] = [[{ fetch_format: 'auto' }, { quality: 'auto' }]];
const mlo: MediaLibraryOptions = { multiple: true, max_files: 3, default_transformations: dt, folder: { path: 'a/b', resource_type: 'image' } };
const handlers: MediaLibraryHandlers = {
  onInsert: (e: InsertEvent) => {
    const a: Asset = e.assets[0]!;
    const stored: StoredAsset = e.stored[0]!;
    const ref: AssetReference = stored.reference;
    const target: DeliveryTarget = { cloud_name: 'demo', optimize: true };
    void [a.url, referenceUrl(ref, target), referenceUrlWithSigner(ref, target, signer)];
  },
  onError: (m: string) => void m,
};
async function mountAll(el: Element) {
  const ml: MediaLibraryHandle = await widgets.mountMediaLibrary(account, mlo, handlers);
  ml.show('a/b');
  ml.hide();
  await ml.remount(account);
  ml.free();
  const uwo: UploadWidgetOptions = { signed: true, folder: 'up', tags: ['x'], sources: ['local'], resourceType: 'image' };
  const uw: UploadWidgetHandle = await widgets.mountUploadWidget(account, uwo, (e: UploadEvent) => {
    const i: JsonValue = e.info;
    void [i, e.asset?.public_id, e.error];
  });
  uw.open();
  uw.close();
  uw.unmount();
  const gao: GalleryAssetOptions = { publicId: 'shoe', mediaType: 'image' };
  const go: GalleryOptions = { mediaAssets: ['a', gao], zoom: true };
  const pg: ProductGalleryHandle = await widgets.mountProductGallery(account, go, el);
  pg.unmount();
  const vpo: VideoPlayerOptions = { publicId: 'dog', controls: true };
  const vp: VideoPlayerHandle = await widgets.mountVideoPlayer(account, vpo, el);
  vp.free();
  const ve: VideoEmbedHandle = widgets.mountVideoEmbed(account, vpo, el);
  const src: string | undefined = ve.src;
  ve.free();
  const eu: string = videoEmbedUrl(account, vpo);
  void [src, eu, widgets.enabled];
  widgets.setEnabled(false);
}

// ---- chunked upload ----
async function upload(file: File) {
  const opts: ChunkedUploadOptions = { signerUrl: 'https://signer.example.com', token: 'jwt', account: 'main', params: { folder: 'big', tags: ['a', 'b'] } };
  const up = new ChunkedUpload(file, opts, (p: UploadProgress) => void p.fraction);
  const r: UploadResult = await up.result();
  const noProgress = new ChunkedUpload(file, opts);
  noProgress.cancel();
  void [r.public_id, r.secure_url, up.uploadId, up.inFlight];
}

// ---- upload queue ----
async function uploadQueue(files: FileList, picked: File, host: Host) {
  const opts: UploadQueueOptions = { signerUrl: 'https://signer.example.com', token: () => 'jwt', account: 'main', storage: host.storage, maxFiles: 40, filesAtOnce: 3 };
  const q = new UploadQueue(opts, (e: UploadQueueEvent) => {
    if (e.type === 'refused') void e.message;
    else if (e.type === 'rateLimited') void [e.until, e.status];
    else if (e.type !== 'rateLimitOver') void e.file.fraction;
  });
  const added: QueueAddResult = q.add(files);
  for (const r of added.refused) { const code: ErrorCode = r.code; void [r.name, r.message, code]; }
  q.add([picked]);
  q.pause(added.queued[0]); q.resume(added.queued[0]); q.cancel(); q.pause(); q.resume();
  const list: QueueFileStatus[] = q.files();
  const state: QueueFileState | undefined = q.file(added.queued[0])?.state;
  const sum: QueueSummary = q.summary();
  const limits: QueueLimits = q.limits;
  const unfinished: UnfinishedUpload[] = q.unfinished();
  if (unfinished.length) {
    const id: number = await q.resumeUpload(unfinished[0].uploadId, picked);
    const res: UploadResult | undefined = q.result(id);
    void res?.secure_url;
    q.forget(unfinished[0].uploadId);
  }
  void [list[0]?.etaMs, state, sum.pausedUntil, limits.maxFiles];
  q.free();
}

// ---- accounts ----
async function accounts() {
  const acc = new Accounts('ext:', 'https://signer.example.com', 'tab-1');
  const rr: RestoreReport = acc.restored();
  const effects: AccountsEffect[] = await acc.login('main', 'jwt');
  for (const e of effects) {
    if (e.type === 'remountOn') { const cloud: Cloud = e.cloud; const role: Role = cloud.role; const product: Product = cloud.product; void [role, product]; }
    if (e.type === 'notify') { const k: NoticeKind = e.kind; void k; }
  }
  const state: AccountsState = acc.state();
  const f: AccountFeatures = acc.features();
  const feature: Feature | undefined = f.features[0]?.feature;
  const remote: RemoteSubAccount[] = await acc.remoteSubAccounts('main', 'jwt');
  acc.watch((x) => void (Array.isArray(x) ? x.length : x.code));
  acc.unwatch();
  void [rr, state, feature, remote, acc.logout('main'), acc.logoutAll(), acc.switchTo('main'), acc.rename('main', 'Main'), acc.expire(), await acc.refresh('jwt')];
}

// ---- errors ----
function describe(e: unknown): string {
  const err = e as ConnectorError;
  const code: ErrorCode = err.code;
  switch (code) {
    case 'signer_refused': return `${err.status} ${err.signerCode} ${err.rule ?? ''}: ${err.message}`;
    case 'invalid_options': return err.message;
    default: return code;
  }
}

// ---- adapters ----
const editorConfig: CloudinaryEditorConfig = { connector, account, widgets: { signerUrl: 'https://signer.example.com', token }, image: { breakpoints: bp } };
const conn: Connector = connector;
const pluginName: 'CloudinaryConnector' = CloudinaryConnector.pluginName;
const sources: { src: string; srcset: string } = imageSources(conn, { public_id: 'a', resource_type: 'image', delivery_type: 'upload' }, account);
const decapOptions: CloudinaryMediaLibraryOptions = { connector, account, widgets: { platformVersion: '3.16.3', signerUrl: 'https://s', token } };
const lib: DecapMediaLibrary = cloudinaryMediaLibrary(decapOptions);
const cfg: DecapLibraryConfig = { multiple: true, use_transformations: false };
const inst: DecapMediaLibraryInstance = lib.init({ options: { name: DEFAULT_NAME, config: cfg }, handleInsert: (x) => void x });
const showArgs: DecapShowArgs = { allowMultiple: false, config: { folder: 'heroes' } };
inst.show(showArgs);
inst.hide();

export const used = [u, signed, body, widths, s1, s2, p1, p2, du, ts, ct, fu, info, ua, v, ir, ur, unr, st, mountAll, upload, uploadQueue, accounts, describe,
  editorConfig, pluginName, sources, REFERENCE_ATTRIBUTE, REFERENCE_DATA_ATTRIBUTE, readConfig, urlOptions, decapUrlOptions, inst];
