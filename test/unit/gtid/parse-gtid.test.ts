import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GtidParseError, MariadbGtidPosition, MysqlGtidSet, canonicalGtidText, parseGtid } from '../../../domain/gtid';
import { UUID_B } from './arbitraries';

test("parseGtid reads each flavor's text into its own type", () => {
  assert.ok(parseGtid('mysql', `${UUID_B}:1-3`) instanceof MysqlGtidSet);
  assert.ok(parseGtid('mariadb', '0-1-3') instanceof MariadbGtidPosition);
});

test("each flavor refuses the other flavor's text", () => {
  assert.throws(() => parseGtid('mysql', `0-1-5,${UUID_B}:1-3`), GtidParseError);
  assert.throws(() => parseGtid('mariadb', `0-1-5,${UUID_B}:1-3`), GtidParseError);
});

test('canonicalGtidText gives the text to store', () => {
  assert.equal(canonicalGtidText('mysql', `${UUID_B.toUpperCase()}:3,\n${UUID_B}:1-2`), `${UUID_B}:1-3`);
  assert.equal(canonicalGtidText('mariadb', '2-1-1, 0-1-9'), '0-1-9,2-1-1');
});
