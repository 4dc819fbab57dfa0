// Light on purpose (no cluster code): clean's flag default is read when the command module loads.

/**
 * Seconds without a heartbeat (cluster time) after which ktctl's object, redirect or `kt-lock` belongs to a
 * dead run: clean's default threshold, what connect cleans on start, and when recover and the conflict
 * check stop calling an owner live. Heartbeats come every 2 minutes, so this misses two of them.
 */
export const STALE_AFTER_SECONDS = 300;
