// `node --import ./register.mjs build/tray/main.mjs`: resolves 'electron' to fake-electron.mjs, so the
// bundled Electron main runs under plain node here, where Electron's binary cannot be installed.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
