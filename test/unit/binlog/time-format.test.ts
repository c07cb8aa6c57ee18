import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBinlogTime } from '../../../domain/binlog/time-format';

describe('binlog time formatting', () => {
  it('prints microsecond times with six digits, UTC', () => {
    assert.equal(formatBinlogTime({ micros: 1795489171071258, precision: 'us' }), '2026-11-24T02:59:31.071258Z');
    assert.equal(formatBinlogTime({ micros: 1795489171000001, precision: 'us' }), '2026-11-24T02:59:31.000001Z');
  });

  it('prints second-precision times without a fraction', () => {
    assert.equal(formatBinlogTime({ micros: 1795489177000000, precision: 's' }), '2026-11-24T02:59:37Z');
  });
});
