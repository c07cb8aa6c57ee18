import { GtidParseError, type GtidTextKind } from './errors';

const SPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);

export function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.has(c);
}

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** A cursor over GTID text that reports failures with the offset where they occur. */
export class TextScanner {
  pos = 0;

  constructor(
    readonly text: string,
    private readonly kind: GtidTextKind,
  ) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  advance(): void {
    this.pos += 1;
  }

  skipSpace(): void {
    while (isSpace(this.peek())) this.pos += 1;
  }

  readWhile(accept: (c: string) => boolean): string {
    const start = this.pos;
    while (!this.atEnd() && accept(this.text[this.pos] as string)) this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  fail(position: number, problem: string): never {
    throw new GtidParseError(this.kind, position, problem);
  }

  /** Fails at the cursor on a character the grammar does not allow there. */
  failUnexpected(expected: string): never {
    const c = this.peek();
    return this.fail(this.pos, c === undefined ? `expected ${expected}, found the end` : `expected ${expected}, found "${c}"`);
  }
}
