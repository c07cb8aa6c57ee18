/** Buffers queued in order, handed out again in pieces of exact sizes; copies only when a piece spans buffers. */
export class ByteQueue {
  private readonly pieces: Buffer[] = [];
  bytes = 0;

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.bytes += piece.length;
  }

  /** The next `size` bytes (all of them when fewer are queued). */
  take(size: number): Buffer {
    const wanted = Math.min(size, this.bytes);
    this.bytes -= wanted;
    const first = this.pieces[0];
    if (first && first.length >= wanted) return this.consume(first, wanted);
    const out = Buffer.allocUnsafe(wanted);
    for (let filled = 0; filled < wanted; ) {
      const piece = this.pieces[0] as Buffer;
      filled += this.consume(piece, Math.min(piece.length, wanted - filled)).copy(out, filled);
    }
    return out;
  }

  /** The next `size` bytes (all of them when fewer are queued) as the queued buffers' own slices, without copying. */
  takePieces(size: number): Buffer[] {
    let wanted = Math.min(size, this.bytes);
    this.bytes -= wanted;
    const taken: Buffer[] = [];
    while (wanted > 0) {
      const piece = this.pieces[0] as Buffer;
      const slice = this.consume(piece, Math.min(piece.length, wanted));
      taken.push(slice);
      wanted -= slice.length;
    }
    return taken;
  }

  private consume(piece: Buffer, count: number): Buffer {
    if (count === piece.length) this.pieces.shift();
    else this.pieces[0] = piece.subarray(count);
    return piece.subarray(0, count);
  }
}
