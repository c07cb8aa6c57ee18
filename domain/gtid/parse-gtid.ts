import { MariadbGtidPosition } from './mariadb-gtid-position';
import { MysqlGtidSet } from './mysql-gtid-set';

export type GtidFlavor = 'mysql' | 'mariadb';

export const GTID_FLAVORS: readonly GtidFlavor[] = ['mysql', 'mariadb'];

/** What MySQL GTID sets and MariaDB GTID positions both offer, for code that serves either flavor. */
export interface GtidAlgebra<T> {
  union(other: T): T;
  subtract(other: T): T;
  intersect(other: T): T;
  contains(other: T): boolean;
  equals(other: T): boolean;
  isEmpty(): boolean;
  toString(): string;
}

/** Parses the GTID text of a flavor: a MySQL GTID set or a MariaDB GTID position. */
export function parseGtid(flavor: 'mysql', text: string): MysqlGtidSet;
export function parseGtid(flavor: 'mariadb', text: string): MariadbGtidPosition;
export function parseGtid(flavor: GtidFlavor, text: string): MysqlGtidSet | MariadbGtidPosition;
export function parseGtid(flavor: GtidFlavor, text: string): MysqlGtidSet | MariadbGtidPosition {
  return flavor === 'mysql' ? MysqlGtidSet.parse(text) : MariadbGtidPosition.parse(text);
}

/** The canonical text of a flavor's GTID text, e.g. to store it in a manifest. */
export function canonicalGtidText(flavor: GtidFlavor, text: string): string {
  return parseGtid(flavor, text).toString();
}
