// One Lua VM holding one compiled health script. The VM is reused for every
// run of that script; each run still gets a fresh environment (see sandbox.lua).
import type { LuaEngine, LuaFactory } from 'wasmoon';
import { pushJson } from './convert.js';
import type { LuaOutcome, LuaValueSummary } from './protocol.js';
import {
  LUA_ERRMEM,
  LUA_MASKCOUNT,
  LUA_OK,
  LUA_TFUNCTION,
  LUA_TSTRING,
  pushString,
  rawOf,
  withCString,
  type RawLua,
} from './raw.js';

/** VM instructions between two deadline checks. */
const HOOK_EVERY = 1000;
const TYPE_NAMES = [
  'nil',
  'boolean',
  'lightuserdata',
  'number',
  'string',
  'table',
  'function',
  'userdata',
  'thread',
];

/** Where the VM reads the current deadline; shared with the instruction hook. */
export interface VmClock {
  /** `performance.now()` after which a run must stop. */
  deadline: number;
}

/** A run that left the VM unfit for reuse (timeout, memory, internal fault): discard it. */
export interface VmFault {
  readonly outcome: LuaOutcome;
}

/** The host-side Lua sources every VM loads before a script: the json module and the sandbox. */
export interface VmPrelude {
  readonly json: string;
  readonly sandbox: string;
}

/** A VM with the sandbox prelude loaded and one script compiled (or its compile error kept). */
export class ScriptVm {
  private readonly raw: RawLua;
  private readonly L: number;
  private compileError: string | undefined;
  private closed = false;

  private constructor(
    private readonly engine: LuaEngine,
    private readonly clock: VmClock,
    private readonly hook: number,
    private readonly memoryLimitBytes: number,
  ) {
    this.raw = rawOf(engine);
    this.L = engine.global.address;
  }

  /** Creates a VM, loads the prelude and compiles `source` under the clock's deadline. */
  static async create(
    factory: LuaFactory,
    options: {
      readonly prelude: VmPrelude;
      readonly source: string;
      readonly name: string;
      readonly clock: VmClock;
      readonly hook: number;
      readonly memoryLimitBytes: number;
    },
  ): Promise<ScriptVm> {
    const engine = await factory.createEngine({
      openStandardLibs: true,
      enableProxy: false,
      injectObjects: false,
      traceAllocations: true,
    });
    const clock = options.clock;
    engine.global.set('__flotilla_expired', () => performance.now() > clock.deadline);
    const vm = new ScriptVm(engine, clock, options.hook, options.memoryLimitBytes);
    vm.loadPrelude(options.prelude);
    vm.compile(options.source, options.name);
    return vm;
  }

  /** Loads json.lua (its module becomes `__flotilla_json`), then sandbox.lua. */
  private loadPrelude(prelude: VmPrelude): void {
    const { raw, L } = this;
    for (const [name, source, global] of [
      ['json.lua', prelude.json, '__flotilla_json'],
      ['sandbox.lua', prelude.sandbox, undefined],
    ] as const) {
      const ok =
        this.load(source, `=${name}`) === LUA_OK &&
        raw._lua_pcallk(L, 0, global ? 1 : 0, 0, 0, 0) === LUA_OK;
      if (!ok) {
        const why = this.errorText();
        this.close();
        throw new Error(`the Lua sandbox prelude ${name} failed: ${why}`);
      }
      if (global) withCString(raw, global, (p) => raw._lua_setglobal(L, p));
    }
  }

  private load(source: string, chunkname: string): number {
    const { raw, L } = this;
    const len = raw.lengthBytesUTF8(source);
    const buf = raw._malloc(len + 1);
    try {
      raw.stringToUTF8(source, buf, len + 1);
      return withCString(raw, chunkname, (name) =>
        withCString(raw, 't', (mode) => raw._luaL_loadbufferx(L, buf, len, name, mode)),
      );
    } finally {
      raw._free(buf);
    }
  }

  private compile(source: string, name: string): void {
    const { raw, L } = this;
    this.limitMemory();
    this.getGlobal('__flotilla_compile');
    pushString(raw, L, source);
    pushString(raw, L, `=${name}`);
    const rc = this.protectedCall(2, 2);
    if (rc !== LUA_OK) {
      this.compileError = this.errorText();
    } else if (raw._lua_type(L, -2) !== LUA_TFUNCTION) {
      this.compileError = this.summary(-1).text ?? `${name}: the script did not compile`;
    } else {
      raw._lua_settop(L, -2);
      withCString(raw, '__flotilla_script', (p) => raw._lua_setglobal(L, p));
    }
    raw._lua_settop(L, 0);
  }

  /** The compile error, when the script does not compile. */
  get error(): string | undefined {
    return this.compileError;
  }

  /** Runs the script on `obj` until the clock's deadline. */
  run(obj: unknown): LuaOutcome | VmFault {
    const { raw, L } = this;
    if (this.closed) return { kind: 'error', message: 'the script was reloaded during the run' };
    if (this.compileError !== undefined) return { kind: 'error', message: this.compileError };
    try {
      // The object itself is not the script's allocation: lift the limit while
      // pushing it, then allow the script its own budget on top.
      this.engine.global.setMemoryMax(undefined);
      this.getGlobal('__flotilla_run');
      this.getGlobal('__flotilla_script');
      pushJson(raw, L, obj);
      this.limitMemory();
      const rc = this.protectedCall(2, 3);
      if (rc === LUA_OK) {
        return {
          kind: 'returned',
          type: this.summary(-3).text ?? 'nil',
          status: this.summary(-2),
          message: this.summary(-1),
        };
      }
      const message = this.errorText();
      if (rc === LUA_ERRMEM || message.includes('not enough memory')) {
        return { outcome: { kind: 'memory' } };
      }
      if (performance.now() > this.clock.deadline) {
        return { outcome: { kind: 'timeout' } };
      }
      return { kind: 'error', message };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { outcome: { kind: 'error', message: `Lua VM fault: ${why}` } };
    } finally {
      raw._lua_settop(L, 0);
    }
  }

  /** Frees the VM's memory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.global.close();
  }

  private limitMemory(): void {
    const g = this.engine.global;
    g.setMemoryMax(g.getMemoryUsed() + this.memoryLimitBytes);
  }

  private getGlobal(name: string): void {
    withCString(this.raw, name, (p) => this.raw._lua_getglobal(this.L, p));
  }

  private protectedCall(nargs: number, nresults: number): number {
    const { raw, L } = this;
    raw._lua_sethook(L, this.hook, LUA_MASKCOUNT, HOOK_EVERY);
    try {
      return raw._lua_pcallk(L, nargs, nresults, 0, 0, 0);
    } finally {
      raw._lua_sethook(L, 0, 0, 0);
    }
  }

  private summary(index: number): LuaValueSummary {
    const t = this.raw._lua_type(this.L, index);
    const type = TYPE_NAMES[t] ?? 'none';
    if (t !== LUA_TSTRING) return { type };
    return { type, text: this.engine.global.lua.lua_tolstring(this.L, index, null) };
  }

  private errorText(): string {
    const s = this.summary(-1);
    return s.text ?? `(error object is a ${s.type} value)`;
  }
}

/** True when a run result is a fault rather than an outcome. */
export function isVmFault(r: LuaOutcome | VmFault): r is VmFault {
  return 'outcome' in r;
}
