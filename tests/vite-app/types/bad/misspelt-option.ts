// TEST: must NOT compile (tests/e2e/npm-types.test.mjs): a misspelt option name.
import { Widgets } from 'cloudinary-connector';
export const w = new Widgets({ platform: 'My CMS', platformVersion: '1.0.0', signerUrll: 'https://signer.example.com' });
