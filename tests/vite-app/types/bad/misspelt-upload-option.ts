// TEST: must NOT compile (tests/e2e/npm-types.test.mjs): a misspelt Upload widget option.
import { Widgets } from 'cloudinary-connector';
declare const widgets: Widgets;
export const p = widgets.mountUploadWidget({ id: 'main', cloud_name: 'demo' }, { maxFileSise: 10 }, () => {});
