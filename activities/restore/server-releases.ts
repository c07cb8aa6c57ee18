import type { CentralConfig } from '../../adapters/config/config';
import { declaredServer, defaultServerBinaries, type ServerBinaries, ServerBinariesError } from '../../adapters/servers/server-binaries';
import { ToolchainMissingError } from '../../adapters/servers/toolchain';

/**
 * The server releases this restore host runs: those its configuration declares (each checked
 * against what its server program reports), else the MySQL and the MariaDB installed here, a
 * flavor without its server left out.
 */
export async function restoreHostServers(settings: CentralConfig['restoreHost']): Promise<ServerBinaries[]> {
  if (settings?.servers !== undefined) return Promise.all(settings.servers.map(declaredServer));
  const found: ServerBinaries[] = [];
  for (const flavor of ['mysql', 'mariadb'] as const) {
    try {
      found.push(await defaultServerBinaries(flavor));
    } catch (err) {
      if (err instanceof ToolchainMissingError || err instanceof ServerBinariesError) continue;
      throw err;
    }
  }
  return found;
}
