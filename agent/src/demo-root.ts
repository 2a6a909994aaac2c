// Builds a demo filesystem root with fake installs of several AI tools, the way they land on real
// machines: Claude Code as an npm global package and as a native version folder with its
// ~/.local/bin link, Cursor, the GitHub Copilot VS Code extensions, Codex via npm with a custom
// ~/.npmrc prefix, Aider via pipx, Gemini CLI under nvm, Qoder CLI, Ollama, a Chrome extension.
// Used by `npm start` and tests; it writes only under the folder it is given, never the real home.
// Every file is inert data (manifests and placeholder binaries): the scanner never runs them.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build as buildPlist } from 'plist';
import type { LayoutOs } from '../../wire/src/catalog.ts';
import { homeOf } from './inventory/materialize.ts';

function put(path: string, content: string | Uint8Array = 'inert demo file\n'): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
const pkgJson = (name: string, version: string) => JSON.stringify({ name, version, description: 'demo fixture' }, null, 2) + '\n';
const metadata = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;

/** What the demo root holds, so tests can check the scan against it. */
export type DemoExpectation = { tool: string; version: string; channel: string; user: string | null };

export function createDemoRoot(root: string, os: LayoutOs = 'linux'): DemoExpectation[] {
  const alice = homeOf(root, os, 'alice');
  const bob = homeOf(root, os, 'bob');
  const carol = homeOf(root, os, 'carol');
  const ex: DemoExpectation[] = [];
  const win = os === 'win32';
  const globalNpm = win ? join(alice, 'AppData/Roaming/npm/node_modules') : join(root, os === 'darwin' ? 'opt/homebrew/lib/node_modules' : 'usr/local/lib/node_modules');

  // Claude Code, npm global (machine-wide on Unix, per profile on Windows) …
  put(join(globalNpm, '@anthropic-ai/claude-code/package.json'), pkgJson('@anthropic-ai/claude-code', '2.0.14'));
  put(join(globalNpm, '@anthropic-ai/claude-code/cli.js'), '// demo\n');
  ex.push({ tool: 'claude-code', version: '2.0.14', channel: 'npm', user: win ? 'alice' : null });
  // … and the native installer's version folder with its link, for bob.
  put(join(bob, '.local/share/claude/versions/2.0.22'), 'inert demo binary\n');
  if (!win) {
    mkdirSync(join(bob, '.local/bin'), { recursive: true });
    symlinkSync(join(bob, '.local/share/claude/versions/2.0.22').slice(root.length), join(bob, '.local/bin/claude'));
  }
  mkdirSync(join(bob, '.config/claude'), { recursive: true });
  ex.push({ tool: 'claude-code', version: '2.0.22', channel: 'native', user: 'bob' });

  // Cursor: the app (macOS bundle / Windows install) or, on Linux, its extensions and data folders.
  if (os === 'darwin') {
    put(join(root, 'Applications/Cursor.app/Contents/Info.plist'), buildPlist({ CFBundleIdentifier: 'com.todesktop.230313mzl4w4u92', CFBundleShortVersionString: '1.7.52' }));
    ex.push({ tool: 'cursor', version: '1.7.52', channel: 'app', user: null });
  } else if (win) {
    put(join(alice, 'AppData/Local/Programs/cursor/Cursor.exe'), 'inert demo binary\n');
  }
  mkdirSync(join(alice, '.cursor/extensions'), { recursive: true });
  mkdirSync(join(alice, os === 'linux' ? '.config/Cursor' : '.cursor'), { recursive: true });

  // GitHub Copilot + Copilot Chat VS Code extensions (one in VS Code, one inside Cursor).
  put(join(alice, '.vscode/extensions/github.copilot-1.372.0/package.json'), JSON.stringify({ name: 'copilot', publisher: 'GitHub', version: '1.372.0' }));
  put(join(alice, '.cursor/extensions/github.copilot-chat-0.31.5/package.json'), JSON.stringify({ name: 'copilot-chat', publisher: 'GitHub', version: '0.31.5' }));
  ex.push({ tool: 'github-copilot', version: '1.372.0', channel: 'vscode_extension', user: 'alice' });

  // Codex via npm under a custom prefix from ~/.npmrc, plus its config folder.
  put(join(bob, '.npmrc'), 'prefix=~/.npm-packages\n');
  put(join(bob, win ? '.npm-packages/node_modules/@openai/codex/package.json' : '.npm-packages/lib/node_modules/@openai/codex/package.json'), pkgJson('@openai/codex', '0.46.0'));
  mkdirSync(join(bob, '.codex'), { recursive: true });
  ex.push({ tool: 'openai-codex-cli', version: '0.46.0', channel: 'npm', user: 'bob' });

  // Aider via pipx.
  const pipx = win ? join(bob, 'pipx/venvs/aider-chat') : join(bob, os === 'darwin' ? '.local/pipx/venvs/aider-chat' : '.local/share/pipx/venvs/aider-chat');
  put(join(pipx, win ? 'Lib/site-packages' : 'lib/python3.12/site-packages', 'aider_chat-0.86.1.dist-info/METADATA'), metadata('aider-chat', '0.86.1'));
  ex.push({ tool: 'aider', version: '0.86.1', channel: 'pipx', user: 'bob' });

  // Gemini CLI under nvm (Unix) or the per-profile npm folder (Windows), for carol.
  const carolNpm = win ? join(carol, 'AppData/Roaming/npm/node_modules') : join(carol, '.nvm/versions/node/v22.11.0/lib/node_modules');
  put(join(carolNpm, '@google/gemini-cli/package.json'), pkgJson('@google/gemini-cli', '0.8.2'));
  put(join(carolNpm, '@qoder-ai/qodercli/package.json'), pkgJson('@qoder-ai/qodercli', '0.1.28'));
  ex.push({ tool: 'gemini-cli', version: '0.8.2', channel: 'npm', user: 'carol' });
  ex.push({ tool: 'qoder-cli', version: '0.1.28', channel: 'npm', user: 'carol' });

  // A local model runner and a browser extension.
  if (!win) put(join(root, 'usr/local/bin/ollama'), 'inert demo binary\n');
  const chrome = os === 'linux' ? '.config/google-chrome' : os === 'darwin' ? 'Library/Application Support/Google/Chrome' : 'AppData/Local/Google/Chrome/User Data';
  put(join(carol, chrome, 'Default/Extensions/fcoeoabgfenejglbffodgkkbkcdhcgfn/1.0.26_0/manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Claude', version: '1.0.26' }));
  ex.push({ tool: 'claude-in-chrome', version: '1.0.26', channel: 'browser_extension', user: 'carol' });

  // Unrelated software the scan must ignore.
  put(join(globalNpm, 'typescript/package.json'), pkgJson('typescript', '5.9.3'));
  put(join(alice, '.vscode/extensions/esbenp.prettier-vscode-11.0.0/package.json'), JSON.stringify({ name: 'prettier-vscode', version: '11.0.0' }));
  put(join(alice, 'Documents/notes.txt'), 'not an AI tool\n');
  return ex;
}
