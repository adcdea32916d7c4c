// The progress lines of a long control-plane build, fed the stderr of
// `go build -v` as a child process writes it (in chunks that split lines),
// with a clock the test moves.
import { describe, expect, it } from 'vitest';
import { formatElapsed, GoBuildProgress } from '../src/go-progress.js';

function reporter(everyMs = 15_000) {
  let now = 1_000_000;
  const lines: string[] = [];
  const progress = new GoBuildProgress({
    label: 'building kube-apiserver v1.34.4',
    expected: 'about 5 to 7 min',
    log: (l) => lines.push(l),
    everyMs,
    now: () => now,
  });
  return { progress, lines, advance: (ms: number) => (now += ms) };
}

describe('GoBuildProgress', () => {
  it('says when downloads start and how many, with the elapsed and usual time', () => {
    const { progress, lines, advance } = reporter();
    advance(3_000);
    progress.write('go: downloading k8s.io/api v0.34.4\ngo: down');
    progress.write('loading k8s.io/apimachinery v0.34.4\n');
    expect(lines).toEqual([
      'building kube-apiserver v1.34.4: downloading Go modules (1 so far); 3 s elapsed, usually about 5 to 7 min',
    ]);
    advance(15_000);
    progress.tick();
    expect(lines[1]).toBe(
      'building kube-apiserver v1.34.4: downloading Go modules (2 so far); 18 s elapsed, usually about 5 to 7 min',
    );
  });

  it('switches to compiling at the first package and then reports at most every interval', () => {
    const { progress, lines, advance } = reporter();
    progress.write('go: downloading k8s.io/api v0.34.4\n');
    advance(65_000);
    progress.write('internal/goarch\nk8s.io/apimachinery/pkg/util/sets\n');
    expect(lines.at(-1)).toBe(
      'building kube-apiserver v1.34.4: compiling (1 packages so far, now internal/goarch); 1 min 05 s elapsed, usually about 5 to 7 min',
    );
    const before = lines.length;
    advance(5_000);
    progress.write('k8s.io/client-go/rest\n');
    progress.tick();
    expect(lines).toHaveLength(before); // within the interval: quiet
    advance(10_000);
    progress.tick();
    expect(lines.at(-1)).toContain('compiling (3 packages so far, now k8s.io/client-go/rest)');
    expect(lines.at(-1)).toContain('1 min 20 s elapsed');
  });

  it('prints nothing for a quiet build until the interval, then that it is still resolving', () => {
    const { progress, lines, advance } = reporter(10_000);
    advance(9_999);
    progress.tick();
    expect(lines).toEqual([]);
    advance(1);
    progress.tick();
    expect(lines).toEqual([
      'building kube-apiserver v1.34.4: resolving Go modules; 10 s elapsed, usually about 5 to 7 min',
    ]);
  });

  it('does not count go notices or compiler error headers as packages', () => {
    const { progress, lines } = reporter();
    progress.write('go: finding module for package x\n# k8s.io/broken\nk8s.io/ok\n');
    expect(lines.at(-1)).toContain('compiling (1 packages so far, now k8s.io/ok)');
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0 s'],
    [59_999, '59 s'],
    [60_000, '1 min 00 s'],
    [397_000, '6 min 37 s'],
  ])('%d ms is %s', (ms, text) => expect(formatElapsed(ms)).toBe(text));
});
