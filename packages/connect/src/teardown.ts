// Teardown lives in @ktctl/plugin-api, where every command (and outside plugins) can use it.
export { Teardown } from '@ktctl/plugin-api';
