// The one test that fails when the server under test is missing; every other
// suite is skipped in that case so the run ends with this single message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverUnavailable, TARGET, SERVER_BIN, SOKETI_DIR, ON_SOKETI } from './harness.mjs';

test(`server under test is available (${TARGET}: ${ON_SOKETI ? SOKETI_DIR : SERVER_BIN})`, () => {
  const why = serverUnavailable();
  if (why) assert.fail(why);
});
