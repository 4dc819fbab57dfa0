// The Internet checksum (RFC 1071), summed four bytes at a time through a Uint32Array view where the data is
// aligned: a ones'-complement sum does not care about the order of the words, and a little-endian word sum
// only needs its folded result byte-swapped (RFC 1071 §2(B)).

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Below this, a Uint32Array view costs more than it saves. */
const WIDE_MIN = 64;

/** Folds a non-negative sum (any size up to 2^53) to 16 bits, keeping the ones'-complement value. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** The unfolded sum of buf[start, end) as big-endian 16-bit words (an odd last byte padded with zero). */
export function sum16(buf: Buffer, start: number, end: number): number {
  let sum = 0;
  let i = start;
  const at = buf.byteOffset + start;
  if (LITTLE_ENDIAN && end - start >= WIDE_MIN && (at & 3) === 0) {
    const words = (end - start) >>> 2;
    const view = new Uint32Array(buf.buffer, at, words);
    // Unrolled into independent sums: measured about twice as fast as one accumulator on V8.
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    let w3 = 0;
    let k = 0;
    for (; k + 7 < words; k += 8) {
      w0 += view[k]! + view[k + 4]!;
      w1 += view[k + 1]! + view[k + 5]!;
      w2 += view[k + 2]! + view[k + 6]!;
      w3 += view[k + 3]! + view[k + 7]!;
    }
    for (; k < words; k++) w0 += view[k]!;
    const folded = fold(w0 + w1 + w2 + w3);
    sum = ((folded & 0xff) << 8) | (folded >>> 8);
    i = start + words * 4;
  }
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** The checksum field value for data whose unfolded sum (checksum field zeroed) is `sum`. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** True when a region including its checksum field sums to all ones. */
export function verifies(sum: number): boolean {
  return fold(sum) === 0xffff;
}
