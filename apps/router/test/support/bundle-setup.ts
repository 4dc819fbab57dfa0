import { bundle } from '../../scripts/bundle.mjs';

/** Builds dist/router.cjs once per test run. */
export default async function setup(): Promise<void> {
  await bundle();
}
