/** Collects small writes into large ones: one write per transaction line would cost a syscall each. */
export class BufferedOutput {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly sink: (text: string) => void,
    private readonly flushAt = 64 * 1024,
  ) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.flushAt) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
