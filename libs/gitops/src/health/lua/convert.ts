// JSON to Lua tables, the way Argo CD's decodeValue builds them for gopher-lua:
// objects and arrays become tables, null becomes nil (dropped from arrays, so
// the array closes up), integers stay integers.
import { pushString, type RawLua } from './raw.js';

/** Pushes a JSON value onto the Lua stack as one value. */
export function pushJson(raw: RawLua, L: number, value: unknown): void {
  if (value === null || value === undefined) {
    raw._lua_pushnil(L);
    return;
  }
  switch (typeof value) {
    case 'string':
      pushString(raw, L, value);
      return;
    case 'boolean':
      raw._lua_pushboolean(L, value ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) raw._lua_pushinteger(L, BigInt(value));
      else raw._lua_pushnumber(L, value);
      return;
    case 'object':
      break;
    default:
      raw._lua_pushnil(L);
      return;
  }
  if (!raw._lua_checkstack(L, 4)) throw new Error('object is nested too deeply for the Lua stack');
  if (Array.isArray(value)) {
    raw._lua_createtable(L, value.length, 0);
    let n = 0;
    for (const item of value) {
      if (item === null || item === undefined) continue;
      pushJson(raw, L, item);
      raw._lua_rawseti(L, -2, BigInt(++n));
    }
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  raw._lua_createtable(L, 0, entries.length);
  for (const [k, v] of entries) {
    if (v === null || v === undefined) continue;
    pushString(raw, L, k);
    pushJson(raw, L, v);
    raw._lua_rawset(L, -3);
  }
}
