/**
 * How a typed error's hint travels inside a failure message (Temporal keeps one message per
 * failure): `message (what to do: hint)`. The activity wrapper writes it; the workflow that
 * records a failure and the CLI that prints one take it apart again.
 */
export function withHint(message: string, hint: string | null | undefined): string {
  return hint ? `${message} (what to do: ${hint})` : message;
}

/** The message and hint of a failure message, the hint given apart (`details`) or else found at its end. */
export function apartFromHint(text: string, detailsHint: unknown): { message: string; hint: string | null } {
  if (typeof detailsHint === 'string') {
    const suffix = ` (what to do: ${detailsHint})`;
    return { message: text.endsWith(suffix) ? text.slice(0, -suffix.length) : text, hint: detailsHint };
  }
  const appended = / \(what to do: (.*)\)$/s.exec(text);
  return appended ? { message: text.slice(0, appended.index), hint: appended[1]! } : { message: text, hint: null };
}
