import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { AckGate } from '../../../src/channels/slack/ack-gate';

/** Runs the middleware for one fake request whose body has arrived (unless `bodyEnds` is false); returns its response emitter. */
function arrive(gate: AckGate, bodyEnds = true): EventEmitter {
  const req = new EventEmitter();
  const res = new EventEmitter();
  let nexted = false;
  gate.middleware(
    req as unknown as Request,
    res as unknown as Response,
    (() => {
      nexted = true;
    }) as NextFunction,
  );
  assert.ok(nexted);
  if (bodyEnds) req.emit('end');
  return res;
}

describe('AckGate', () => {
  it('lets answer work through at once when no Slack request is pending', async () => {
    const gate = new AckGate(10_000);
    await gate.quiet();
    assert.equal(gate.inFlight, 0);
  });

  it('holds answer work until every pending request has its response', async () => {
    const gate = new AckGate(10_000);
    const a = arrive(gate);
    const b = arrive(gate);
    let through = false;
    const waiting = gate.quiet().then(() => {
      through = true;
    });
    a.emit('finish');
    a.emit('close'); // finish and close of one response count once
    await new Promise((r) => setImmediate(r));
    assert.equal(through, false);
    assert.equal(gate.inFlight, 1);
    b.emit('close'); // an aborted request counts as done too
    await waiting;
    assert.equal(gate.inFlight, 0);
  });

  it('does not count a request whose body never finishes arriving (a stalled client)', async () => {
    const gate = new AckGate(10_000);
    const stalled = arrive(gate, false);
    assert.equal(gate.inFlight, 0);
    await gate.quiet();
    stalled.emit('close');
    assert.equal(gate.inFlight, 0);
  });

  it('never holds answer work longer than maxWaitMs', async () => {
    const gate = new AckGate(20);
    arrive(gate);
    const started = Date.now();
    await gate.quiet();
    assert.ok(Date.now() - started >= 15);
  });
});
