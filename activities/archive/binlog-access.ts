import { readFileSync, type Stats, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

/** The OS refused the agent's user (permission bits, an ACL, a security module), not a missing file. */
export function isPermissionDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** What a binlog the agent cannot read is called, and what to do about it. */
export interface AccessDenial {
  message: string;
  hint: string;
}

/** The name `/etc/passwd` or `/etc/group` gives an id, else the id itself. */
function nameOf(table: '/etc/passwd' | '/etc/group', id: number): string {
  try {
    const entry = readFileSync(table, 'utf8')
      .split('\n')
      .find((line) => line.split(':')[2] === String(id));
    if (entry !== undefined) return entry.split(':')[0]!;
  } catch {
    // An unreadable table leaves the number, which still names the owner.
  }
  return String(id);
}

function agentUser(): { name: string; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { name: userInfo().username, uid };
  } catch {
    // A uid without a passwd entry (a container's arbitrary user).
    return { name: String(uid), uid };
  }
}

/** The path itself when the agent may stat it, else the nearest folder above it that keeps the agent out. */
function blocker(path: string): { path: string; stats: Stats } | undefined {
  for (let at = path; ; at = dirname(at)) {
    try {
      return { path: at, stats: statSync(at) };
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/** Whether the mode bits of `stats` grant `bits` (of r=4, x=1) to the agent's process as it runs now. */
function modeGrants(stats: Stats, bits: number, uid: number): boolean {
  const shift = stats.uid === uid ? 6 : (process.getgroups?.() ?? []).includes(stats.gid) ? 3 : 0;
  return ((stats.mode >> shift) & bits) === bits;
}

/**
 * Why the agent's OS user cannot read `path` (`label` says what it is: a binlog, the binlog
 * folder), from what it can see: the owner, group and mode of the file, or of the folder on its
 * way that keeps it out; and who to make the agent's user a member of.
 */
export function accessDenial(label: string, path: string): AccessDenial {
  const user = agentUser();
  const who = `the agent's OS user ${user.name} (uid ${user.uid})`;
  const elsewhere = `or set database.binlogDir to a copy of the binlogs that ${user.name} can read`;
  const found = blocker(path);
  if (found === undefined) {
    return {
      message: `${who} cannot read ${label} ${path}`,
      hint: `give ${user.name} read access to the binlog folder and its files (add it to the group that owns them, then restart the agent), ${elsewhere}`,
    };
  }
  const owner = nameOf('/etc/passwd', found.stats.uid);
  const group = nameOf('/etc/group', found.stats.gid);
  const mode = (found.stats.mode & 0o7777).toString(8).padStart(4, '0');
  const itself = found.path === path;
  const where = itself ? 'it' : `the folder ${found.path} on its path`;
  const message = `${who} cannot read ${label} ${path}: ${where} is owned by ${owner}:${group} with mode ${mode}`;
  // Reading a file takes r; listing a folder r and x; passing through one x.
  const needed = itself ? (found.stats.isDirectory() ? 0o5 : 0o4) : 0o1;
  if (modeGrants(found.stats, needed, user.uid)) {
    return {
      message: `${message}, a mode that allows it`,
      hint: `an ACL (getfacl), a security module (AppArmor, SELinux) or the file system refuses ${user.name} what the mode allows: allow it there and restart the agent, ${elsewhere}`,
    };
  }
  const join = `add ${user.name} to group ${group} (usermod -aG ${group} ${user.name}) and restart the agent`;
  if (((found.stats.mode >> 3) & needed) === needed) return { message, hint: `${join}, ${elsewhere}` };
  return {
    message,
    hint: `let group ${group} read the binlog folder and its files (chmod g+rX, and UMASK=0640 UMASK_DIR=0750 in mysqld's environment for the binlogs it writes next), ${join}, ${elsewhere}`,
  };
}
