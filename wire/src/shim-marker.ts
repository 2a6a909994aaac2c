// warden's notice shim, as both sides see it: enforcement writes it where a quarantined command was
// (agent/src/enforce/shim.ts), the inventory recognises it so a quarantined tool is not reported as
// still installed. Shared here so neither stage reaches into the other's internals.

export const SHIM_MARKER = 'warden-quarantine-shim';
/** Exit status of a shim: 126 = "found but cannot execute", what shells use for a blocked command. */
export const SHIM_EXIT = 126;
/** Shims hold a few lines of text; anything bigger is not one (and is never read in full). */
export const SHIM_MAX_BYTES = 64 * 1024;

const ID = '[A-Za-z0-9._:-]+';
// POSIX shim: shebang, marker line, one printf of single-quoted text to stderr, exit. Quotes in the
// text are written as '\'' so every argument is quoted text; nothing else can run.
const SH_ARG = `'[^']*'(?:\\\\''[^']*')*`;
const SH = new RegExp(`^#!/bin/sh\\n# ${SHIM_MARKER} ${ID}\\nprintf '%s\\\\n'(?: ${SH_ARG})* >&2\\nexit ${SHIM_EXIT}\\n$`);
// Windows .cmd shim: echo lines whose cmd metacharacters are all ^-escaped and % doubled.
const CMD_TEXT = `(?:[^\\^&|<>()%\\r\\n]|\\^[\\^&|<>()]|%%)*`;
const CMD = new RegExp(`^@echo off\\r\\nrem ${SHIM_MARKER} ${ID}\\r\\n(?:echo ${CMD_TEXT} 1>&2\\r\\n)*exit /b ${SHIM_EXIT}\\r\\n$`);

/**
 * Is this text exactly a notice shim warden writes (marker AND shape)? A script that merely mentions
 * the marker — e.g. a wrapper that prints it and then starts the real tool — is not.
 */
export function isNoticeShimText(text: string): boolean {
  if (text.length > SHIM_MAX_BYTES || !text.includes(SHIM_MARKER)) return false;
  return SH.test(text) || CMD.test(text);
}
