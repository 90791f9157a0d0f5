// TEST: must NOT compile (tests/e2e/npm-types.test.mjs): an option of the wrong type.
import { url } from 'cloudinary-connector';
export const u = url('sample', { cloud_name: 'demo', width: 300, sign_url: 'yes' });
