import { InvalidPayloadError } from '../../lib';
import { decodePayload, encodePayload } from '../../lib/payload/payload.codec';
import { JobPayload, MAX_TRACE_LINKS } from '../../lib/payload/payload.interface';
import { fromSpanLink, fromTraceparent, toSpanLink, toTraceparent } from '../../lib/telemetry/trace-context';

const base: JobPayload = { v: 1, attempts: 0, uuid: '01890a5d-ac96-774b-bcce-b302099a8057', job: 'x', data: {} };
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the payload trace field', () => {
  it('is written only when set, after the other fields, and read back', () => {
    expect(encodePayload(base)).not.toContain('trace');
    const encoded = encodePayload({ ...base, trace: traceparent });
    expect(encoded.endsWith(`,"trace":"${traceparent}"}`)).toBe(true);
    expect(decodePayload(encoded).trace).toBe(traceparent);
  });

  it.each([
    ['a number', 5, 'got 5'],
    ['an unknown version', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'not one'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'not one'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'not one'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', 'not one'],
    ['trailing text', `${traceparent}-and-more`, 'not one'],
  ])('refuses %s with an error naming the field and the job, never its text', (_what, value, problem) => {
    const raw = JSON.stringify({ ...base, trace: value });
    expect(() => decodePayload(raw)).toThrow(InvalidPayloadError);
    expect(() => decodePayload(raw)).toThrow(/The payload of x \(id 01890a5d-ac96-774b-bcce-b302099a8057, attempt 0\) has a bad "trace": must be a W3C traceparent/);
    expect(() => decodePayload(raw)).toThrow(problem);
    if (typeof value === 'string') expect(() => decodePayload(raw)).not.toThrow(value);
  });

  it('round-trips a span context through a traceparent', () => {
    const context = fromTraceparent(traceparent);
    expect(context).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(toTraceparent({ ...context!, traceFlags: 0 })).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
    expect(fromTraceparent(undefined)).toBeNull();
  });

  it('round-trips a span context through the form a batch keeps of its jobs\' spans', () => {
    const context = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };
    expect(toSpanLink(context)).toBe(traceparent.slice(3));
    expect(fromSpanLink(toSpanLink(context))).toEqual(context);
  });
});

describe("the payload traceLinks field (a batch callback's links to its jobs' spans)", () => {
  const link = (k: number) => `4bf92f3577b34da6a3ce929d0e0e4736-${(k + 1).toString(16).padStart(16, '0')}-01`;

  it('is written only when it has links, and read back', () => {
    expect(encodePayload({ ...base, traceLinks: [] })).not.toContain('traceLinks');
    const links = [link(0), link(1)];
    const encoded = encodePayload({ ...base, trace: traceparent, traceLinks: links });
    expect(encoded.endsWith(`,"traceLinks":${JSON.stringify(links)}}`)).toBe(true);
    expect(decodePayload(encoded).traceLinks).toEqual(links);
    const full = Array.from({ length: MAX_TRACE_LINKS }, (_, k) => link(k));
    expect(decodePayload(encodePayload({ ...base, traceLinks: full })).traceLinks).toEqual(full);
  });

  it.each([
    ['a string', 'x', /"traceLinks": must be an array of at most 128 span contexts, got a string/],
    ['too many links', Array.from({ length: MAX_TRACE_LINKS + 1 }, (_, k) => link(k)), /"traceLinks": must be an array of at most 128 span contexts, got 129 entries/],
    ['a number among them', [link(0), 7], /"traceLinks\[1\]": must be a span context \(<32 hex>-<16 hex>-<2 hex>\), got 7/],
    ['a traceparent (with its version)', [traceparent], /"traceLinks\[0\]": must be a span context/],
    ['an all-zero span id', ['4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'], /"traceLinks\[0\]": must be a span context/],
  ])('refuses %s with an error naming the field and the job, never its text', (_what, value, problem) => {
    const raw = JSON.stringify({ ...base, traceLinks: value });
    expect(() => decodePayload(raw)).toThrow(InvalidPayloadError);
    expect(() => decodePayload(raw)).toThrow(/The payload of x \(id 01890a5d-ac96-774b-bcce-b302099a8057, attempt 0\) has a bad/);
    expect(() => decodePayload(raw)).toThrow(problem);
    expect(() => decodePayload(raw)).not.toThrow('4bf92f35');
  });
});
