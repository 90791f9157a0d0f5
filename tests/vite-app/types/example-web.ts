// TEST (never shipped): the plain-module build (`cloudinary-connector/web`), typed.
import init, { url, initSync } from 'cloudinary-connector/web';
import type { InitOutput, UrlOptions } from 'cloudinary-connector/web';

export async function start(): Promise<string> {
  const out: InitOutput = await init();
  void out.memory;
  void initSync;
  const o: UrlOptions = { cloud_name: 'demo', width: 100, crop: 'scale' };
  return url('sample', o);
}

import type { InitInput, SyncInitInput } from 'cloudinary-connector/web';
export const inputs: [InitInput, SyncInitInput] = [new URL('https://example.com/cloudinary_connector_bg.wasm'), new Uint8Array(8)];
