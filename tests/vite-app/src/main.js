// The app: imports the package by name (its main export, the bundler build), renders a responsive
// image, and offers the package's API to the end-to-end test (tests/e2e/npm-vite.test.mjs).
import * as cld from 'cloudinary-connector';

const options = { cloud_name: 'demo', crop: 'fill', width: 800, gravity: 'auto' };
const img = document.getElementById('hero');
img.src = cld.url('samples/landscapes/beach', options);
// The time from navigation start to the first URL (module graph, wasm instantiation, one url()).
window.firstUrlMs = performance.now();
const { srcset, sizes } = cld.srcset('samples/landscapes/beach', options, { min_width: 200, max_width: 1600, max_images: 4 }, {});
img.srcset = srcset;
img.sizes = sizes;

let codegen = 'allowed';
try { new Function('return 1'); } catch (e) { codegen = `${e.name}`; }
window.app = { cld, codegen, violations: [] };
document.addEventListener('securitypolicyviolation', (e) => window.app.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
window.appReady = true;
