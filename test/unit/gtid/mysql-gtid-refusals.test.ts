import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../../domain/errors';
import { GtidParseError, MysqlGtidSet } from '../../../domain/gtid';
import { UUID_B } from './arbitraries';

function refusal(text: string): GtidParseError {
  try {
    MysqlGtidSet.parse(text);
  } catch (err) {
    assert.ok(err instanceof GtidParseError, `expected GtidParseError, got ${String(err)}`);
    assert.ok(err instanceof InvalidInputError);
    assert.ok(err.hint?.includes('uuid'));
    return err;
  }
  assert.fail(`${JSON.stringify(text)} was accepted`);
}

describe('MySQL GTID set refusals name the bad part and where it is', () => {
  const cases: Array<[string, string, string]> = [
    [
      'an interval ending before its start',
      `${UUID_B}:5-3`,
      'invalid GTID set at position 37: interval "5-3" has its end before its start',
    ],
    ['GNO 0', `${UUID_B}:0`, 'invalid GTID set at position 37: GNO 0 is outside 1..9223372036854775806'],
    [
      'GNO 0 ending an interval',
      `${UUID_B}:1-0`,
      'invalid GTID set at position 39: GNO 0 in interval "1-0" is outside 1..9223372036854775806',
    ],
    // MySQL 9.7.4 itself refuses 2^63-1 ("Interval start out of range").
    [
      'GNO 2^63-1',
      `${UUID_B}:9223372036854775807`,
      'invalid GTID set at position 37: GNO 9223372036854775807 is outside 1..9223372036854775806',
    ],
    [
      'GNO above 2^63-1',
      `${UUID_B}:1-9223372036854775808`,
      'invalid GTID set at position 39: GNO 9223372036854775808 in interval "1-9223372036854775808" is outside 1..9223372036854775806',
    ],
    ['a trailing comma', `${UUID_B}:1-5,`, 'invalid GTID set at position 40: trailing comma: a GTID set cannot end with ","'],
    [
      'a trailing comma before spaces',
      `${UUID_B}:1-5 ,\n`,
      'invalid GTID set at position 41: trailing comma: a GTID set cannot end with ","',
    ],
    ['two commas', `${UUID_B}:1-5,,${UUID_B}:7`, 'invalid GTID set at position 41: empty entry between two commas'],
    ['a leading comma', `,${UUID_B}:7`, 'invalid GTID set at position 0: empty entry between two commas'],
    [
      'an empty interval',
      `${UUID_B}:1-5::7`,
      'invalid GTID set at position 41: empty interval: expected a number or a tag after ":", found ":"',
    ],
    ['a colon and nothing', `${UUID_B}:`, 'invalid GTID set at position 37: empty interval: expected a number or a tag after ":"'],
    [
      'an open-ended interval',
      `${UUID_B}:1-`,
      'invalid GTID set at position 39: expected the number ending the interval after "-", found the end',
    ],
    ['a UUID without intervals', UUID_B, `invalid GTID set at position 36: UUID "${UUID_B}" has no intervals: expected ":" after it`],
    [
      'a bad UUID',
      'e37df7ab-e7b0-11f1-bda4-02fc0000000:1-5',
      'invalid GTID set at position 0: "e37df7ab-e7b0-11f1-bda4-02fc0000000" is not a UUID (8-4-4-4-12 hexadecimal digits)',
    ],
    [
      'a UUID with non-hex digits',
      `${UUID_B}:1,e37df7ab-e7b0-11f1-bda4-02fc0000000g:2`,
      'invalid GTID set at position 39: "e37df7ab-e7b0-11f1-bda4-02fc0000000g" is not a UUID (8-4-4-4-12 hexadecimal digits)',
    ],
    ['a UUID in braces', `{${UUID_B}}:7`, `invalid GTID set at position 0: "{${UUID_B}}" is not a UUID (8-4-4-4-12 hexadecimal digits)`],
    ['a tag without intervals', `${UUID_B}:1-5:billing`, 'invalid GTID set at position 41: tag "billing" has no intervals'],
    ['a tag followed by a tag', `${UUID_B}:tag:tag2:3`, 'invalid GTID set at position 37: tag "tag" has no intervals'],
    [
      'a tag of 33 characters',
      `${UUID_B}:${'a'.repeat(33)}:1`,
      `invalid GTID set at position 37: tag "${'a'.repeat(33)}" is longer than 32 characters`,
    ],
    [
      'a tag with a dash',
      `${UUID_B}:my-tag:1`,
      'invalid GTID set at position 37: tag "my-tag" must start with a letter or "_" and hold only letters, digits and "_"',
    ],
    ['letters glued to a number', `${UUID_B}:1a:3`, 'invalid GTID set at position 38: expected ":", "," or the end, found "a"'],
    [
      'a MariaDB GTID first',
      `0-1-5,${UUID_B}:1-3`,
      'invalid GTID set at position 0: "0-1-5" is a MariaDB GTID (domain-server-sequence), not a MySQL uuid:interval entry: use the mariadb flavor',
    ],
    [
      'a MariaDB GTID after a MySQL entry',
      `${UUID_B}:1-3, 0-1-5`,
      'invalid GTID set at position 42: "0-1-5" is a MariaDB GTID (domain-server-sequence), not a MySQL uuid:interval entry: use the mariadb flavor',
    ],
  ];
  for (const [what, text, message] of cases) {
    test(what, () => {
      const err = refusal(text);
      assert.equal(err.message, message);
    });
  }

  test('the position points at the bad part of the text', () => {
    const text = `${UUID_B}:1-5:9-7`;
    const err = refusal(text);
    assert.equal(text.slice(err.position), '9-7');
  });
});
