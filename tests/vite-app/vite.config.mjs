// TEST app (never shipped): the npm package as an application build consumes it.
import { defineConfig } from 'vite';
import wasm from 'vite-plugin-wasm';

export default defineConfig({
  // The package's main export is the wasm-pack bundler build (`import * as wasm from '....wasm'`,
  // the WebAssembly ESM integration), which Vite handles through vite-plugin-wasm.
  plugins: [wasm()],
  logLevel: 'warn',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0 },
});
