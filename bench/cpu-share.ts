import { Session } from 'node:inspector';

/** How a stretch of this process's CPU time divided, from V8's sampling profiler. */
export interface CpuShare {
  /** Sampled time the main thread was not idle (JS, native code, GC), ms. */
  busyMs: number;
  /** Self time of the frames whose script URL matched, ms (inlined functions are frames of their own in V8's profile). */
  matchedMs: number;
  /** The matched frames with the most self time: `function file:line`, ms. */
  top: [string, number][];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
}

/**
 * Runs `fn` under V8's sampling CPU profiler (a sample every `intervalUs`) and says what share of the busy time
 * was spent in scripts whose URL matches `match`. Unlike wall-clock figures, the share hardly moves with machine
 * load: preemption stretches every frame alike.
 */
export async function cpuShare<T>(match: RegExp, fn: () => Promise<T>, intervalUs = 100): Promise<{ value: T; share: CpuShare }> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
    await post(session, 'Profiler.start');
    const value = await fn();
    const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
    return { value, share: attribute(profile, match) };
  } finally {
    session.disconnect();
  }
}

function attribute(profile: Profile, match: RegExp): CpuShare {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let busy = 0;
  let matched = 0;
  const byFrame = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    if (!match.test(url)) continue;
    matched += us;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/\.bench\//, '')}:${lineNumber + 1}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
  }
  const top = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, us]): [string, number] => [k, us / 1000]);
  return { busyMs: busy / 1000, matchedMs: matched / 1000, top };
}
