// 32-bit TCP sequence arithmetic (RFC 793 §3.3): comparisons hold across wraparound as long as the two
// numbers are less than 2^31 apart.

export const seqAdd = (seq: number, n: number): number => (seq + n) >>> 0;
/** The signed distance a - b. */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const seqLeq = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
export const seqGt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
export const seqGeq = (a: number, b: number): boolean => ((a - b) | 0) >= 0;
