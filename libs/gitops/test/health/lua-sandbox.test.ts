// The Lua sandbox: what scripts may reach, what they may not, and how a
// misbehaving script ends. Every failure is a result (Unknown with a message),
// never an exception, on both the worker and the inline runtime.
import { HealthStatusCode as H } from '@flotilla/api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  INVALID_HEALTH_STATUS,
  compileLuaHealthOptions,
  createLuaHealthRuntime,
  type HealthObject,
  type HealthScript,
  type LuaHealthRuntime,
} from '../../src/health/index.js';

const TIMEOUT_MS = 300;
const runtimes: Record<string, LuaHealthRuntime> = {
  worker: createLuaHealthRuntime(compileLuaHealthOptions({ timeoutMs: TIMEOUT_MS, graceMs: 300 })),
  inline: createLuaHealthRuntime(
    compileLuaHealthOptions({ timeoutMs: TIMEOUT_MS, isolation: 'inline' }),
  ),
};
// Memory limits are checked with a time limit no loaded machine reaches first.
const SLOW_MS = 60_000;
const roomy: Record<string, LuaHealthRuntime> = {
  worker: createLuaHealthRuntime(compileLuaHealthOptions({ timeoutMs: SLOW_MS, graceMs: 300 })),
  inline: createLuaHealthRuntime(
    compileLuaHealthOptions({ timeoutMs: SLOW_MS, isolation: 'inline' }),
  ),
};
afterAll(async () => {
  await Promise.all([...Object.values(runtimes), ...Object.values(roomy)].map((r) => r.close()));
});

let scripts = 0;
/** A script with its own VM: each source gets its own origin. */
function script(source: string): HealthScript {
  scripts += 1;
  return {
    key: 'example.com/Widget',
    name: 'example.com/Widget/health.lua',
    source,
    origin: `/scripts/${scripts}/health.lua`,
  };
}

const widget = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', finalizers: ['a.example.com', 'b.example.com'], annotations: null },
  spec: { replicas: 3, ratio: 0.5, tags: ['x', null, 'y'] },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'all good' }] },
};

describe.each(Object.keys(runtimes))('%s runtime', (mode) => {
  const lua = runtimes[mode] as LuaHealthRuntime;
  const run = (source: string, obj: HealthObject = widget) => lua.run(script(source), obj);

  it('runs a script on the object and returns its status and message', async () => {
    const source = `
      local hs = {}
      for _, c in ipairs(obj.status.conditions) do
        if c.type == "Ready" and c.status == "True" then
          hs.status = "Healthy"
          hs.message = c.message .. " (" .. obj.spec.replicas .. " replicas, " .. #obj.spec.tags .. " tags)"
          return hs
        end
      end
      return { status = "Progressing" }`;
    expect(await run(source)).toEqual({
      status: H.Healthy,
      message: 'all good (3 replicas, 2 tags)',
    });
  });

  it('gives Argo CD scripts the Lua 5.1 names they use', async () => {
    const source = `
      local parts = { table.getn(obj.metadata.finalizers), unpack({ "u" }), math.pow(2, 3),
        table.concat(obj.metadata.finalizers, ","), string.format("%q", "q"), ("abc"):upper(),
        os.date("!%Y", 0), require("os").time({ year = 2024, month = 1, day = 1, hour = 0 }) > 0,
        require("json").encode(require("json").decode('{"a":[1,2]}')) }
      for i, p in ipairs(parts) do parts[i] = tostring(p) end
      return { status = "Healthy", message = table.concat(parts, " ") }`;
    expect(await run(source)).toEqual({
      status: H.Healthy,
      message: '2 u 8 a.example.com,b.example.com "q" ABC 1970 true {"a":[1,2]}',
    });
  });

  it('decodes and encodes JSON as gopher-json does', async () => {
    const source = `
      local json = require("json")
      local v = json.decode('{"a":[1,null,2.5],"s":"\\\\u00e9\\\\n","t":true,"o":{}}')
      return { status = "Healthy", message = #v.a .. " " .. v.a[2] .. " " .. v.s .. json.encode(v) }`;
    expect(await run(source)).toEqual({
      status: H.Healthy,
      message: '2 2.5 é\n{"a":[1,2.5],"o":[],"s":"é\\n","t":true}',
    });
    expect((await run('return require("json").decode("{oops")')).message).toMatch(
      /json: expected a key at position 2/,
    );
  });

  it('ends an infinite loop with Unknown', async () => {
    const result = await run('while true do end');
    expect(result.status).toBe(H.Unknown);
    expect(result.message).toMatch(/did not finish within 300 ms/);
  });

  it('ends a loop that swallows its own timeout with pcall', async () => {
    const result = await run('while true do pcall(function() while true do end end) end');
    expect(result.status).toBe(H.Unknown);
    expect(result.message).toMatch(/did not finish within 300 ms/);
  });

  it('ends a loop hidden in coroutines', async () => {
    const source =
      'while true do coroutine.resume(coroutine.create(function() while true do end end)) end';
    expect((await run(source)).message).toMatch(/did not finish within 300 ms/);
  });

  it('ends an allocation bomb with Unknown', { timeout: 2 * SLOW_MS }, async () => {
    const bounded = roomy[mode] as LuaHealthRuntime;
    const grow = await bounded.run(
      script('local t = {} while true do t[#t + 1] = string.rep("x", 1048576) .. #t end'),
      widget,
    );
    expect(grow).toEqual({
      status: H.Unknown,
      message: 'health script example.com/Widget/health.lua exceeded its memory limit of 32 MiB',
    });
    const double = await bounded.run(script('local s = "x" while true do s = s .. s end'), widget);
    expect(double.message).toMatch(/exceeded its memory limit/);
  });

  it(
    'recovers after a timeout and an allocation bomb: the next run works',
    { timeout: 30_000 },
    async () => {
      const source = `
      while obj.spin do end
      local t = {}
      while obj.grow do t[#t + 1] = string.rep("x", 1048576) .. #t end
      return { status = "Healthy" }`;
      const s = script(source);
      expect((await lua.run(s, { spin: true })).message).toMatch(/did not finish/);
      expect(await lua.run(s, {})).toEqual({ status: H.Healthy });
      // On a loaded machine the time limit may end the bomb first: either way it ends.
      expect((await lua.run(s, { grow: true })).message).toMatch(
        /exceeded its memory limit|did not finish/,
      );
      expect(await lua.run(s, {})).toEqual({ status: H.Healthy });
    },
  );

  it.each([
    ['os.execute("true")', /attempt to call a nil value \(field 'execute'\)/],
    ['os.exit(1)', /attempt to call a nil value \(field 'exit'\)/],
    ['io.open("/etc/passwd")', /attempt to index a nil value \(global 'io'\)/],
    ['require("io")', /module 'io' not found/],
    ['require("socket")', /module 'socket' not found/],
    ['load("return 1")()', /attempt to call a nil value \(global 'load'\)/],
    ['loadstring("return 1")()', /attempt to call a nil value \(global 'loadstring'\)/],
    ['dofile("/etc/passwd")', /attempt to call a nil value \(global 'dofile'\)/],
    ['debug.getinfo(1)', /attempt to index a nil value \(global 'debug'\)/],
    ['package.loaded.os.execute("true")', /attempt to index a nil value \(global 'package'\)/],
    ['getmetatable("").__index.rep("x", 2)', /attempt to index a boolean value/],
    ['setmetatable({}, { __gc = function() end })', /__gc metamethods are not allowed/],
  ])('refuses %s with Unknown and the reason', async (call, why) => {
    const result = await run(`local r = ${call}\nreturn { status = "Healthy" }`);
    expect(result.status).toBe(H.Unknown);
    expect(result.message).toMatch(why);
  });

  it('reports a script error with its line', async () => {
    expect(await run('local x = 1\nerror("boom")')).toEqual({
      status: H.Unknown,
      message: 'example.com/Widget/health.lua:2: boom',
    });
    expect(await run('return obj.nothing.here')).toEqual({
      status: H.Unknown,
      message: "example.com/Widget/health.lua:1: attempt to index a nil value (field 'nothing')",
    });
  });

  it('reports a syntax error', async () => {
    const result = await run('if then end');
    expect(result.status).toBe(H.Unknown);
    expect(result.message).toMatch(/^example\.com\/Widget\/health\.lua:1: unexpected symbol/);
  });

  it.each([
    ['return "Healthy"', 'expect table output from Lua script, not string'],
    ['local hs = {}', 'expect table output from Lua script, not nil'],
    ['return 42', 'expect table output from Lua script, not number'],
    ['return { status = "Fine" }', INVALID_HEALTH_STATUS],
    ['return { message = "no status" }', INVALID_HEALTH_STATUS],
    ['return { status = 1 }', INVALID_HEALTH_STATUS],
    ['return {}', INVALID_HEALTH_STATUS],
    [
      'return { status = "Healthy", message = 3 }',
      'Lua returned a number as the health message; it must be a string',
    ],
  ])('turns nonsense (%s) into Unknown', async (source, message) => {
    expect(await run(source)).toEqual({ status: H.Unknown, message });
  });

  it('accepts every status Argo CD accepts', async () => {
    for (const status of Object.values(H)) {
      expect(await run(`return { status = "${status}" }`)).toEqual({ status });
    }
  });

  it('gives each run fresh globals, as a fresh Argo CD VM would', async () => {
    const s = script(`
      count = (count or 0) + 1
      local decoded = require("json").decode("[7]")[1]
      string.format = nil
      require("json").decode = nil
      return { status = "Healthy", message = count .. "/" .. decoded }`);
    expect(await lua.run(s, widget)).toEqual({ status: H.Healthy, message: '1/7' });
    expect(await lua.run(s, widget)).toEqual({ status: H.Healthy, message: '1/7' });
  });
});

describe('worker runtime', () => {
  const lua = runtimes['worker'] as LuaHealthRuntime;

  it('stops a script stuck inside one C call by terminating its worker, then carries on', async () => {
    // Exponential backtracking in the pattern matcher never returns to the VM,
    // so the instruction hook cannot fire; only the hard deadline can.
    const stuck = script(
      'return { status = tostring(string.find(string.rep("a", 60), "^(a-)(a-)(a-)(a-)(a-)(a-)(a-)(a-)b")) }',
    );
    const started = performance.now();
    const result = await lua.run(stuck, widget);
    expect(result.status).toBe(H.Unknown);
    expect(result.message).toMatch(/did not finish within 300 ms; its worker was stopped/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await lua.run(script('return { status = "Healthy" }'), widget)).toEqual({
      status: H.Healthy,
    });
  });

  it('runs requests from many callers at once', async () => {
    const s = script('return { status = "Healthy", message = obj.metadata.name }');
    const names = Array.from({ length: 50 }, (_, i) => `w${i}`);
    const results = await Promise.all(names.map((name) => lua.run(s, { metadata: { name } })));
    expect(results.map((r) => r.message)).toEqual(names);
  });
});

describe('cost per call', () => {
  it('logs a rough cost per run for each runtime (no assertion on time)', async () => {
    const source = `
      local hs = { status = "Progressing" }
      for _, c in ipairs(obj.status.conditions) do
        if c.type == "Ready" and c.status == "True" then hs.status = "Healthy" end
      end
      return hs`;
    const lines: string[] = [];
    for (const [mode, lua] of Object.entries(runtimes)) {
      const s = script(source);
      await lua.run(s, widget);
      const n = 500;
      const started = performance.now();
      for (let i = 0; i < n; i++) await lua.run(s, widget);
      lines.push(`${mode} ${((performance.now() - started) / n).toFixed(3)} ms/call`);
    }
    console.log(`lua health script cost: ${lines.join(', ')}`);
    expect(lines).toHaveLength(2);
  });
});
