// The few raw Lua C API exports the VM needs, typed. wasmoon wraps most of the
// API, but its JS-to-Lua conversion mishandles null, and its timeout hook raises
// errors on the wrong thread inside coroutines, so those parts go direct.
import type { LuaEngine } from 'wasmoon';

/** Lua C API functions as the WASM module exports them (pointers are numbers, integers bigints). */
export interface RawLua {
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushstring(L: number, s: number): number;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_setglobal(L: number, name: number): void;
  _lua_getglobal(L: number, name: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_gettop(L: number): number;
  _lua_type(L: number, idx: number): number;
  _lua_pcallk(
    L: number,
    nargs: number,
    nresults: number,
    errfunc: number,
    ctx: number,
    k: number,
  ): number;
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _lua_error(L: number): number;
  _luaL_loadbufferx(L: number, buf: number, len: number, name: number, mode: number): number;
  _malloc(size: number): number;
  _free(ptr: number): void;
  stringToNewUTF8(s: string): number;
  lengthBytesUTF8(s: string): number;
  stringToUTF8(s: string, ptr: number, max: number): void;
  addFunction(fn: (...args: number[]) => unknown, signature: string): number;
  removeFunction(ptr: number): void;
}

/** The raw exports behind an engine. */
export function rawOf(engine: LuaEngine): RawLua {
  return engine.global.lua.module as unknown as RawLua;
}

/** Lua's status codes, as lua_pcall returns them. */
export const LUA_OK = 0;
/** A memory allocation failed. */
export const LUA_ERRMEM = 4;
/** Lua type tags. */
export const LUA_TSTRING = 4;
/** Lua type tags. */
export const LUA_TFUNCTION = 6;
/** The hook mask that counts VM instructions. */
export const LUA_MASKCOUNT = 8;

/** Pushes a string of any length and content (the stack-allocating wrappers cannot). */
export function pushString(raw: RawLua, L: number, s: string): void {
  const len = raw.lengthBytesUTF8(s);
  const ptr = raw._malloc(len + 1);
  try {
    raw.stringToUTF8(s, ptr, len + 1);
    raw._lua_pushlstring(L, ptr, len);
  } finally {
    raw._free(ptr);
  }
}

/** Calls `fn` with a C string that lives for the call. */
export function withCString<T>(raw: RawLua, s: string, fn: (ptr: number) => T): T {
  const ptr = raw.stringToNewUTF8(s);
  try {
    return fn(ptr);
  } finally {
    raw._free(ptr);
  }
}
