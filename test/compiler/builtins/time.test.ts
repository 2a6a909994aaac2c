import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/time.ts');
});

// Large ns values go through JSON text so they stay exact (JS numbers would round them).
function callRaw(name: string, ...args: string[]): string {
  const lib = b.lib;
  lib.reset();
  const vals = args.map((a) => {
    const [p, n] = lib.put(a);
    return lib.fn('opa_json_parse')(p, n);
  });
  const r = lib.fn(`opa_builtin_${name.replace(/\./g, '_')}`)(...vals);
  if (r === 0) return 'undefined';
  const d = lib.fn('opa_json_dump')(r);
  const mem = new Uint8Array(lib.memory.buffer);
  let e = d;
  while (mem[e] !== 0) e++;
  return new TextDecoder().decode(mem.slice(d, e));
}

const T = '1703444325734390000';

test('date / clock / weekday with zones', () => {
  assert.equal(callRaw('time.date', T), '[2023,12,24]');
  assert.equal(callRaw('time.date', '[1257894000000000000,"UTC"]'), '[2009,11,10]');
  assert.equal(callRaw('time.clock', T), '[18,58,45]');
  assert.equal(callRaw('time.clock', `[${T},"CET"]`), '[19,58,45]');
  assert.equal(callRaw('time.clock', `[1688169600000000000,"Europe/Berlin"]`), '[2,0,0]', 'CEST in July');
  assert.equal(callRaw('time.clock', `[1688169600000000000,"America/New_York"]`), '[20,0,0]', 'EDT');
  assert.equal(callRaw('time.weekday', T), '"Sunday"');
  assert.equal(callRaw('time.weekday', '1257894000000000000'), '"Tuesday"');
  assert.equal(callRaw('time.date', '"1703444325734390000"'), 'undefined');
  assert.equal(callRaw('time.date', `[${T},"Mars/Base"]`), 'undefined');
});

test('parse_rfc3339_ns / parse_ns agree with Date.parse', () => {
  assert.equal(callRaw('time.parse_rfc3339_ns', '"1985-04-12T23:20:50.52Z"'), '482196050520000000');
  assert.equal(callRaw('time.parse_rfc3339_ns', '"1996-12-19T16:39:57-08:00"'), '851042397000000000');
  assert.equal(callRaw('time.parse_rfc3339_ns', '"1996-12-19"'), 'undefined');
  assert.equal(callRaw('time.parse_ns', '"2006-01-02"', '"2020-02-02"'), String(Date.UTC(2020, 1, 2) * 1e6));
  assert.equal(callRaw('time.parse_ns', '"Jan 2 2006 3:04PM MST"', '"Mar 7 2021 11:15PM UTC"'), String(Date.UTC(2021, 2, 7, 23, 15) * 1e6));
  assert.equal(callRaw('time.parse_ns', '"Monday, 02-Jan-06 15:04:05 -0700"', '"Tuesday, 03-Feb-20 10:00:00 +0100"'), String(Date.UTC(2020, 1, 3, 9) * 1e6));
  assert.equal(callRaw('time.parse_ns', '"2006-01-02"', '"2021-02-30"'), 'undefined');
});

test('parse_duration_ns follows Go ParseDuration', () => {
  assert.equal(callRaw('time.parse_duration_ns', '"1h"'), '3600000000000');
  assert.equal(callRaw('time.parse_duration_ns', '"1h6m13.3s20ms15µs1ns"'), '3973320015001');
  assert.equal(callRaw('time.parse_duration_ns', '"1.2h20.2ms15µs56ns"'), '4320020215056');
  assert.equal(callRaw('time.parse_duration_ns', '"45.67s123ms"'), '45793000000');
  assert.equal(callRaw('time.parse_duration_ns', '"15.000001ms"'), '15000001');
  assert.equal(callRaw('time.parse_duration_ns', '"-1.5m"'), '-90000000000');
  assert.equal(callRaw('time.parse_duration_ns', '"0"'), '0');
  assert.equal(callRaw('time.parse_duration_ns', '"1"'), 'undefined');
  assert.equal(callRaw('time.parse_duration_ns', '"1x"'), 'undefined');
});

test('add_date / diff / format', () => {
  assert.equal(callRaw('time.add_date', T, '1', '0', '0'), '1735066725734390000');
  assert.equal(callRaw('time.add_date', T, '0', '15', '0'), '1742842725734390000');
  assert.equal(callRaw('time.add_date', T, '0', '0', '-37'), '1700247525734390000');
  assert.equal(callRaw('time.add_date', T, '2147483647', '0', '0'), 'undefined');
  assert.equal(callRaw('time.diff', T, '1257894000000000000'), '[14,1,13,19,58,45]');
  assert.equal(callRaw('time.diff', '1257894000000000000', T), '[14,1,13,19,58,45]');
  assert.equal(callRaw('time.diff', String(Date.UTC(2020, 1, 2) * 1e6), String(Date.UTC(2020, 2, 1) * 1e6)), '[0,0,28,0,0,0]');
  assert.equal(callRaw('time.format', T), '"2023-12-24T18:58:45.73439Z"');
  assert.equal(callRaw('time.format', `[${T},"CET","Mon Jan _2 15:04:05 2006"]`), '"Sun Dec 24 19:58:45 2023"');
  assert.equal(callRaw('time.format', `[${T},"UTC","2006-01-02 03:04pm .000 Z07:00"]`), '"2023-12-24 06:58pm .734 Z"');
});

test("time.format's MST is the zone's abbreviation, as Go prints it from tzdata", () => {
  const winter = T; // 2023-12-24
  const summer = '1688169600000000000'; // 2023-07-01
  const fmt = (ns: string, zone: string): string => callRaw('time.format', `[${ns},"${zone}","MST"]`);
  assert.equal(callRaw('time.format', `[${winter},"UTC","MST"]`), '"UTC"');
  assert.equal(fmt(winter, 'Europe/Berlin'), '"CET"');
  assert.equal(fmt(summer, 'Europe/Berlin'), '"CEST"');
  assert.equal(fmt(winter, 'Europe/London'), '"GMT"');
  assert.equal(fmt(summer, 'Europe/London'), '"BST"');
  assert.equal(fmt(summer, 'Europe/Dublin'), '"IST"');
  assert.equal(fmt(summer, 'Europe/Lisbon'), '"WEST"');
  assert.equal(fmt(winter, 'America/New_York'), '"EST"');
  assert.equal(fmt(summer, 'America/Los_Angeles'), '"PDT"');
  assert.equal(fmt(summer, 'America/Phoenix'), '"MST"');
  assert.equal(fmt(winter, 'Asia/Tokyo'), '"JST"');
  assert.equal(fmt(winter, 'Asia/Kolkata'), '"IST"');
  assert.equal(fmt(winter, 'Asia/Singapore'), '"+08"', 'tzdata has no letters for it');
  assert.equal(fmt(winter, 'America/Sao_Paulo'), '"-03"');
  assert.equal(callRaw('time.format', `[${summer},"Europe/Berlin","2006-01-02 15:04 MST -0700"]`), '"2023-07-01 02:00 CEST +0200"');
});
