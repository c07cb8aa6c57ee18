/**
 * Reader for the variable-length integers of MySQL's serialization framework
 * (libs/mysql/serialization/readme.md): the count of trailing one bits in the first byte,
 * plus one, is the number of bytes; the value follows that marker, little-endian.
 * The readers advance `cursor.pos` and return undefined when the bytes run out first.
 */
export interface VarlenCursor {
  buf: Buffer;
  pos: number;
  end: number;
}

export function readVarlenUnsigned(cursor: VarlenCursor): bigint | undefined {
  const { buf, pos, end } = cursor;
  if (pos >= end) return undefined;
  const first = buf[pos]!;
  let byteCount = 1;
  while (byteCount <= 8 && (first >> (byteCount - 1)) & 1) byteCount++;
  if (pos + byteCount > end) return undefined;
  cursor.pos = pos + byteCount;
  if (byteCount === 1) return BigInt(first >> 1);
  let rest = 0n;
  for (let i = byteCount - 1; i >= 1; i--) rest = (rest << 8n) | BigInt(buf[pos + i]!);
  // Nine-byte numbers carry all 64 bits after the marker byte; shorter ones share the first byte.
  if (byteCount === 9) return rest;
  return (rest << BigInt(8 - byteCount)) | BigInt(first >> byteCount);
}

export function readVarlenSigned(cursor: VarlenCursor): bigint | undefined {
  const raw = readVarlenUnsigned(cursor);
  if (raw === undefined) return undefined;
  return raw & 1n ? -(raw >> 1n) - 1n : raw >> 1n;
}
