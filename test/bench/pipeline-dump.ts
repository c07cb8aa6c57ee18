import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../adapters/servers/toolchain';

/**
 * A mysqldump-like SQL file for the pipeline benchmark: CREATE TABLEs and extended INSERTs
 * of customers, orders and events with varied numbers, strings, dates and some random
 * tokens, so zstd -3 compresses it about as well as real dumps (4-6x). Deterministic, and
 * cached: it is generated once per size.
 */
export function ensureDumpFile(bytes: number): string {
  const dir = join(cacheDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `dump-${bytes}-v1.sql`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  try {
    const generator = new DumpGenerator(0x9e3779b9);
    for (let written = 0; written < bytes; ) {
      const block = Buffer.from(generator.block(), 'utf8');
      writeSync(fd, block);
      written += block.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return file;
}

const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Wei',
  'Ana',
  'Luis',
  'Fatima',
  'Olga',
  'Kenji',
  'Amara',
  'Sven',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Nguyen',
  'Kowalski',
  'Schmidt',
  'Rossi',
  'Tanaka',
];
const STREETS = [
  'Main St',
  'Oak Ave',
  'Pine Rd',
  'Maple Dr',
  'Cedar Ln',
  'Elm St',
  'Lake View Blvd',
  'Hill Crest Way',
  'River Rd',
  'Park Pl',
];
const CITIES = [
  'Springfield',
  'Riverside',
  'Franklin',
  'Greenville',
  'Bristol',
  'Clinton',
  'Fairview',
  'Salem',
  'Madison',
  'Georgetown',
  'Arlington',
  'Ashland',
];
const STATUS = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const EVENTS = ['login', 'logout', 'view_item', 'add_to_cart', 'checkout', 'payment_failed', 'password_reset', 'search'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)',
  'curl/8.5.0',
];

class DumpGenerator {
  private started = false;
  private customerId = 0;
  private orderId = 0;
  private eventId = 0;
  private blocks = 0;
  private clock = Date.UTC(2019, 0, 1);

  constructor(private state: number) {}

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.next() % list.length] as T;
  }

  /** Rows are mostly inserted in time order, as in real tables. */
  private date(): string {
    this.clock += this.next() % 90_000;
    return new Date(this.clock).toISOString().slice(0, 19).replace('T', ' ');
  }

  private token(length: number): string {
    let out = '';
    while (out.length < length) out += this.next().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  /** About 4 MiB of dump text. */
  block(): string {
    const parts: string[] = [];
    if (!this.started) {
      this.started = true;
      parts.push(
        '-- MySQL dump 10.13  Distrib 9.7.0, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n',
        '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!50503 SET NAMES utf8mb4 */;\n',
        'DROP TABLE IF EXISTS `customers`;\nCREATE TABLE `customers` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n  `first_name` varchar(64) NOT NULL,\n  `last_name` varchar(64) NOT NULL,\n  `email` varchar(255) NOT NULL,\n  `address` varchar(255) DEFAULT NULL,\n  `created_at` datetime NOT NULL,\n  `api_token` char(16) NOT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `email` (`email`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;\n',
        "DROP TABLE IF EXISTS `orders`;\nCREATE TABLE `orders` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n  `customer_id` bigint unsigned NOT NULL,\n  `status` enum('pending','paid','shipped','delivered','cancelled','refunded') NOT NULL,\n  `total` decimal(12,2) NOT NULL,\n  `items` int NOT NULL,\n  `ordered_at` datetime NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `customer_id` (`customer_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
        'DROP TABLE IF EXISTS `events`;\nCREATE TABLE `events` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n  `customer_id` bigint unsigned NOT NULL,\n  `kind` varchar(32) NOT NULL,\n  `at` datetime(3) NOT NULL,\n  `ip` varchar(45) NOT NULL,\n  `payload` json DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n',
      );
    }
    this.blocks++;
    for (let statement = 0; statement < 4; statement++) {
      const kind = (this.blocks + statement) % 3;
      const rows: string[] = [];
      let length = 0;
      while (length < 1_000_000) {
        const row = kind === 0 ? this.customer() : kind === 1 ? this.order() : this.event();
        rows.push(row);
        length += row.length + 1;
      }
      const table = kind === 0 ? 'customers' : kind === 1 ? 'orders' : 'events';
      parts.push(`INSERT INTO \`${table}\` VALUES ${rows.join(',')};\n`);
    }
    return parts.join('');
  }

  /** Activity clusters on recent customers. */
  private recentCustomer(): number {
    return Math.max(1, this.customerId - (this.next() % 300));
  }

  private customer(): string {
    const first = this.pick(FIRST);
    const last = this.pick(LAST);
    const id = ++this.customerId;
    const address = `${1 + (this.next() % 9999)} ${this.pick(STREETS)}, ${this.pick(CITIES)}`;
    return `(${id},'${first}','${last}','${first.toLowerCase()}.${last.toLowerCase()}${id}@example.com','${address}','${this.date()}','${this.token(16)}')`;
  }

  private order(): string {
    const items = 1 + (this.next() % 12);
    const price = 0.99 + (this.next() % 400) * 2.5;
    return `(${++this.orderId},${this.recentCustomer()},'${this.pick(STATUS)}',${(items * price).toFixed(2)},${items},'${this.date()}')`;
  }

  private event(): string {
    const n = this.next() % 4096;
    const ip = `10.${n >>> 8}.${n & 255}.${1 + (n % 7)}`;
    const payload = `{"agent": "${this.pick(AGENTS)}", "session": "${this.token(8)}", "ms": ${this.next() % 3000}}`;
    return `(${++this.eventId},${this.recentCustomer()},'${this.pick(EVENTS)}','${this.date()}.${this.next() % 1000}','${ip}','${payload.replace(/"/g, '\\"')}')`;
  }
}
