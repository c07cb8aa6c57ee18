/** `9.7` of `9.7.4-2`, `10.11` of `10.11.19-MariaDB-log` (or of its handshake form `5.5.5-10.11.19-MariaDB`); null for text without a version. */
export function majorMinor(version: string): string | null {
  const match = /(\d+)\.(\d+)\.\d+/.exec(version.replace(/^5\.5\.5-/, ''));
  return match ? `${match[1]}.${match[2]}` : null;
}
