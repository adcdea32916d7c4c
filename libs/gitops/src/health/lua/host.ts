// Runs health scripts on the current thread: one VM per script, created on
// first use and kept until the script changes or misbehaves.
import { readFileSync } from 'node:fs';
import { LuaFactory } from 'wasmoon';
import type { LuaRunReply, LuaRunRequest } from './protocol.js';
import { isVmFault, ScriptVm, type VmClock, type VmPrelude } from './vm.js';
import { pushString, type RawLua } from './raw.js';

const PRELUDE: VmPrelude = {
  json: readFileSync(new URL('./json.lua', import.meta.url), 'utf8'),
  sandbox: readFileSync(new URL('./sandbox.lua', import.meta.url), 'utf8'),
};
const TIMEOUT_ERROR = 'health script timed out';

interface CachedVm {
  readonly source: string;
  readonly memoryLimitBytes: number;
  readonly vm: Promise<ScriptVm>;
}

/** Runs health scripts in VMs it caches per script key. Not safe to share between threads. */
export class LuaScriptHost {
  private readonly vms = new Map<string, CachedVm>();

  private constructor(
    private readonly factory: LuaFactory,
    private readonly hook: number,
    private readonly clock: VmClock,
  ) {}

  /** Loads the Lua WASM module and installs the deadline hook. */
  static async create(): Promise<LuaScriptHost> {
    const factory = new LuaFactory();
    const module = (await factory.getLuaModule()).module as unknown as RawLua;
    const clock: VmClock = { deadline: Infinity };
    // Count hook: past the deadline, raise an error in whichever coroutine runs.
    const hook = module.addFunction((L: number) => {
      if (performance.now() > clock.deadline) {
        pushString(module, L, TIMEOUT_ERROR);
        module._lua_error(L);
      }
    }, 'vii');
    return new LuaScriptHost(factory, hook, clock);
  }

  /** Runs one script on one object within the request's time and memory limits. */
  async run(req: LuaRunRequest): Promise<LuaRunReply> {
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    this.clock.deadline = started + req.timeoutMs;
    const pending = this.vmFor(req);
    try {
      const vm = await pending;
      // Creating the VM may have taken a while; the script gets its full budget.
      this.clock.deadline = performance.now() + req.timeoutMs;
      const result = vm.run(req.object);
      if (!isVmFault(result)) return { outcome: result, elapsedMs: elapsed() };
      this.forget(req.key, pending);
      vm.close();
      return { outcome: result.outcome, elapsedMs: elapsed() };
    } catch (err) {
      this.forget(req.key, pending);
      const why = err instanceof Error ? err.message : String(err);
      return { outcome: { kind: 'error', message: why }, elapsedMs: elapsed() };
    } finally {
      this.clock.deadline = Infinity;
    }
  }

  /** Frees every VM. */
  close(): void {
    for (const { vm } of this.vms.values()) closeLater(vm);
    this.vms.clear();
  }

  private vmFor(req: LuaRunRequest): Promise<ScriptVm> {
    const cached = this.vms.get(req.key);
    if (cached?.source === req.source && cached.memoryLimitBytes === req.memoryLimitBytes) {
      return cached.vm;
    }
    if (cached) closeLater(cached.vm);
    const vm = ScriptVm.create(this.factory, {
      prelude: PRELUDE,
      source: req.source,
      name: req.name,
      clock: this.clock,
      hook: this.hook,
      memoryLimitBytes: req.memoryLimitBytes,
    });
    this.vms.set(req.key, { source: req.source, memoryLimitBytes: req.memoryLimitBytes, vm });
    return vm;
  }

  private forget(key: string, vm: Promise<ScriptVm>): void {
    if (this.vms.get(key)?.vm === vm) this.vms.delete(key);
  }
}

function closeLater(vm: Promise<ScriptVm>): void {
  vm.then((v) => v.close()).catch(() => undefined);
}
