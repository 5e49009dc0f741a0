import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialMachine,
  publicState,
  transition,
  type Effect,
  type Machine,
  type MachineConfig,
  type MachineEvent,
} from './connection_state.js';

const cfg: MachineConfig = { autoReconnect: true, maxReconnectAttempts: 3, tokenSource: 'none' };

function run(events: MachineEvent[], config: MachineConfig = cfg, from: Machine = initialMachine) {
  let m = from;
  const effects: Effect[][] = [];
  for (const ev of events) {
    const step = transition(m, config, ev);
    m = step.machine;
    effects.push(step.effects);
  }
  return { m, effects, last: effects[effects.length - 1] ?? [] };
}

const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
const connected = run([{ type: 'connect' }, { type: 'established' }]).m;

describe('connection state machine', () => {
  it('connect opens a transport; established becomes connected', () => {
    const { m, effects } = run([{ type: 'connect' }, { type: 'established' }]);
    assert.deepEqual(kinds(effects[0]!), ['open']);
    assert.deepEqual(kinds(effects[1]!), ['established']);
    assert.equal(m.state, 'connected');
    assert.equal(m.attempt, 0);
    assert.equal(m.connectedOnce, true);
  });

  it('maps the internal states onto the seed\'s four', () => {
    assert.equal(publicState('idle'), 'disconnected');
    assert.equal(publicState('waiting'), 'connecting');
    assert.equal(publicState('connecting'), 'connecting');
    assert.equal(publicState('connected'), 'connected');
    assert.equal(publicState('disconnecting'), 'disconnecting');
    assert.equal(publicState('disconnected'), 'disconnected');
  });

  for (const code of [4001, 4003, 4004, 4005, 4007, 4008, 4009, 4099, 4300, 4301, 4400]) {
    it(`close ${code} (refused): no retry, error and disconnected`, () => {
      const { m, last } = run([{ type: 'closed', code, reason: 'no' }], cfg, connected);
      assert.equal(m.state, 'disconnected');
      assert.deepEqual(kinds(last), ['lost', 'emit_disconnected', 'fail']);
      const fail = last.find((e) => e.kind === 'fail');
      assert.ok(fail && fail.kind === 'fail' && fail.error.closeCode === code);
    });
  }

  for (const code of [4100, 4150, 4199]) {
    it(`close ${code}: back off (at least 1 s)`, () => {
      const { m, last } = run([{ type: 'closed', code, reason: '' }], cfg, connected);
      assert.equal(m.state, 'waiting');
      assert.deepEqual(last.at(-1), { kind: 'wait', action: 'backoff', attempt: 1 });
    });
  }

  for (const code of [4200, 4201, 4299]) {
    it(`close ${code}: retry at once`, () => {
      const { m, last } = run([{ type: 'closed', code, reason: '' }], cfg, connected);
      assert.equal(m.state, 'waiting');
      assert.deepEqual(last.at(-1), { kind: 'wait', action: 'retry', attempt: 1 });
    });
  }

  for (const code of [1000, 1001, 1002, 1006, 1011]) {
    it(`close ${code} (network): back off`, () => {
      const { m, last } = run([{ type: 'closed', code, reason: '' }], cfg, connected);
      assert.equal(m.state, 'waiting');
      assert.deepEqual(kinds(last), ['lost', 'emit_disconnected', 'emit_reconnecting', 'wait']);
      assert.deepEqual(last.at(-1), { kind: 'wait', action: 'network', attempt: 1 });
    });
  }

  it('4009 invalid_token with a token provider: refresh, then reconnect', () => {
    const c: MachineConfig = { ...cfg, tokenSource: 'explicit' };
    const { m, effects } = run(
      [{ type: 'closed', code: 4009, reason: '', error: 'invalid_token' }, { type: 'token', ok: true }],
      c,
      connected,
    );
    assert.deepEqual(kinds(effects[0]!), ['lost', 'emit_disconnected', 'emit_reconnecting', 'refresh_token']);
    assert.deepEqual(kinds(effects[1]!), ['open']);
    assert.equal(m.state, 'connecting');
  });

  it('4009 invalid_token without a provider is refused', () => {
    const { m, last } = run([{ type: 'closed', code: 4009, reason: '', error: 'invalid_token' }], cfg, connected);
    assert.equal(m.state, 'disconnected');
    const fail = last.find((e) => e.kind === 'fail');
    assert.ok(fail && fail.kind === 'fail');
    assert.equal(fail.error.code, 'invalid_token');
  });

  it('4009 without invalid_token (signin failure) is refused even with a provider', () => {
    const { m } = run([{ type: 'closed', code: 4009, reason: '' }], { ...cfg, tokenSource: 'explicit' }, connected);
    assert.equal(m.state, 'disconnected');
  });

  it('a derived token source is not used for the first connection', () => {
    const c: MachineConfig = { ...cfg, tokenSource: 'derived' };
    const first = run([{ type: 'connect' }, { type: 'closed', code: 4009, reason: '', error: 'invalid_token' }], c);
    assert.equal(first.m.state, 'disconnected');
    const later = run([{ type: 'closed', code: 4009, reason: '', error: 'invalid_token' }], c, connected);
    assert.equal(later.m.state, 'waiting');
  });

  it('an explicit provider refreshes a refused first connection once, not twice', () => {
    const c: MachineConfig = { ...cfg, tokenSource: 'explicit' };
    const bad: MachineEvent = { type: 'closed', code: 4009, reason: '', error: 'invalid_token' };
    const { m, effects } = run([{ type: 'connect' }, bad, { type: 'token', ok: true }, bad], c);
    assert.ok(kinds(effects[1]!).includes('refresh_token'));
    assert.equal(m.state, 'disconnected');
  });

  it('a failing token provider ends in disconnected with invalid_token', () => {
    const c: MachineConfig = { ...cfg, tokenSource: 'explicit' };
    const { m, last } = run(
      [{ type: 'closed', code: 4009, reason: '', error: 'invalid_token' }, { type: 'token', ok: false, detail: 'x' }],
      c,
      connected,
    );
    assert.equal(m.state, 'disconnected');
    assert.deepEqual(last, [{ kind: 'fail', error: { code: 'invalid_token', detail: 'x', closeCode: 4009 } }]);
  });

  it('counts attempts and gives up after maxReconnectAttempts', () => {
    const drop: MachineEvent = { type: 'closed', code: 1006, reason: '' };
    const { m, effects } = run(
      [drop, { type: 'timer' }, drop, { type: 'timer' }, drop, { type: 'timer' }, drop],
      cfg,
      connected,
    );
    const reconnecting = effects.flat().filter((e) => e.kind === 'emit_reconnecting');
    assert.deepEqual(reconnecting.map((e) => (e.kind === 'emit_reconnecting' ? e.attempt : 0)), [1, 2, 3]);
    assert.equal(m.state, 'disconnected');
    assert.ok(kinds(effects.at(-1)!).includes('fail'));
  });

  it('an established connection resets the attempt counter', () => {
    const drop: MachineEvent = { type: 'closed', code: 1006, reason: '' };
    const { m } = run([drop, { type: 'timer' }, drop, { type: 'timer' }, { type: 'established' }], cfg, connected);
    assert.equal(m.state, 'connected');
    assert.equal(m.attempt, 0);
  });

  it('autoReconnect false: a drop ends in disconnected', () => {
    const { m, last } = run([{ type: 'closed', code: 1006, reason: '' }], { ...cfg, autoReconnect: false }, connected);
    assert.equal(m.state, 'disconnected');
    assert.deepEqual(kinds(last), ['lost', 'emit_disconnected']);
  });

  it('a failed reconnect attempt emits reconnecting, not disconnected again', () => {
    const drop: MachineEvent = { type: 'closed', code: 1006, reason: '' };
    const { effects } = run([drop, { type: 'timer' }, drop], cfg, connected);
    assert.deepEqual(kinds(effects[2]!), ['lost', 'emit_reconnecting', 'wait']);
  });

  it('disconnect while connected: disconnecting, then disconnected on close', () => {
    const { m, effects } = run([{ type: 'disconnect' }, { type: 'closed', code: 1000, reason: '' }], cfg, connected);
    assert.deepEqual(effects[0], [{ kind: 'close', code: 1000, reason: 'io client disconnect', detach: false }]);
    assert.deepEqual(kinds(effects[1]!), ['lost', 'emit_disconnected', 'abort']);
    assert.equal(m.state, 'disconnected');
  });

  it('disconnect during a back-off wait cancels it', () => {
    const { m, last } = run([{ type: 'closed', code: 1006, reason: '' }, { type: 'disconnect' }], cfg, connected);
    assert.equal(m.state, 'disconnected');
    assert.deepEqual(kinds(last), ['cancel_wait', 'abort']);
  });

  it('reconnect during a back-off wait connects now', () => {
    const { m, last } = run([{ type: 'closed', code: 1006, reason: '' }, { type: 'connect' }], cfg, connected);
    assert.equal(m.state, 'connecting');
    assert.deepEqual(kinds(last), ['cancel_wait', 'open']);
  });

  it('reconnect while connected replaces the transport', () => {
    const { m, last } = run([{ type: 'connect' }], cfg, connected);
    assert.equal(m.state, 'connecting');
    assert.deepEqual(kinds(last), ['close', 'lost', 'emit_disconnected', 'open']);
  });

  it('ignores events that make no sense in a state', () => {
    assert.deepEqual(transition(connected, cfg, { type: 'timer' }).effects, []);
    assert.deepEqual(transition(initialMachine, cfg, { type: 'established' }).effects, []);
    assert.deepEqual(transition(initialMachine, cfg, { type: 'closed', code: 1006, reason: '' }).effects, []);
    assert.deepEqual(transition(initialMachine, cfg, { type: 'disconnect' }).effects, []);
  });
});
