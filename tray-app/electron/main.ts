// The tray app's Electron shell, kept thin on purpose: it starts the local page server over the
// agent's public state for this employee, shows the state icon and the menu of recent notices, raises
// desktop notifications, and opens the pages in a window. What to show — the state, the menu, which
// notices notify — is decided by tray-app/src/tray-model.ts (unit-tested without Electron); the pages
// are tray-app/web (tested in Chromium). Bundled by scripts/build-tray.js into build/tray/main.mjs,
// which Electron runs as it is (`npm run tray`). No preload: the page needs nothing but fetch to its
// own loopback server, so it runs sandboxed with no Node at all.
import { app, BrowserWindow, Menu, Notification, Tray, nativeImage, shell, type MenuItemConstructorOptions } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTrayServer, type TrayServer } from '../src/server.ts';
import { trayPaths } from '../src/paths.ts';
import { listNotices } from '../src/notices-store.ts';
import { readViewReport } from '../src/agent-view.ts';
import { loadMemory, menuModel, notificationsFor, saveMemory, trayStatus, type MenuItem, type TrayState } from '../src/tray-model.ts';
import { stateIcon } from '../src/icons.ts';

const POLL_MS = 5_000;
// Beside the bundle (build/tray/web); scripts/build-tray.js copies the pages there.
const WEB_DIR = process.env.WARDEN_TRAY_WEB_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'web');

let tray: Tray | undefined;
let win: BrowserWindow | undefined;
let pages: TrayServer | undefined;
let shownState: TrayState | null = null;
let lastMenu = '';

function icon(state: TrayState): Electron.NativeImage {
  const img = nativeImage.createFromBuffer(stateIcon(state, 16));
  img.addRepresentation({ scaleFactor: 2, buffer: stateIcon(state, 32) });
  return img;
}

function showWindow(view: 'notices' | 'requests' | 'checks' | null, notice?: string): void {
  if (!pages) return;
  if (!win || win.isDestroyed()) {
    win = new BrowserWindow({
      width: 820,
      height: 680,
      title: 'warden',
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    // The page talks only to its own loopback server; any other link (support, approved alternative)
    // opens in the default browser, and the window never navigates away.
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (/^(https:|mailto:)/.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (e, url) => {
      if (!pages || !url.startsWith(pages.base)) e.preventDefault();
    });
  }
  const extra = notice ? `&notice=${encodeURIComponent(notice)}` : view ? `&view=${view}` : '';
  void win.loadURL(`${pages.url}${extra}`);
  win.show();
  win.focus();
}

function menuTemplate(items: MenuItem[]): MenuItemConstructorOptions[] {
  return items.map((m): MenuItemConstructorOptions => {
    switch (m.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: m.label, enabled: false };
      case 'notice':
        return { label: `${m.unread ? '• ' : ''}${m.label}`, click: () => showWindow(null, m.id) };
      case 'open':
        return { label: m.label, click: () => showWindow(m.view) };
      case 'quit':
        return { label: m.label, click: () => app.quit() };
    }
  });
}

/** One poll: re-read the agent's files, update icon, tooltip and menu, raise new notifications. */
function refresh(paths: ReturnType<typeof trayPaths>): void {
  if (!tray) return;
  const dirs = { userDir: paths.userDir, machineDir: paths.machineDir };
  const notices = listNotices(dirs, join(paths.trayStateDir, 'read-notices.json'));
  const report = readViewReport(dirs);
  const status = trayStatus(report, notices);
  if (status.state !== shownState) {
    tray.setImage(icon(status.state));
    shownState = status.state;
  }
  tray.setToolTip(status.tooltip);
  const items = menuModel(status, notices, report);
  const key = JSON.stringify(items);
  if (key !== lastMenu) {
    tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(items)));
    lastMenu = key;
  }
  const { show, memory } = notificationsFor(notices, loadMemory(paths.trayStateDir), report);
  if (show.length === 0) return;
  try {
    saveMemory(paths.trayStateDir, memory); // remembered before shown: a crash never repeats one
  } catch {
    return; // cannot remember: better no notification than the same one every 5 seconds
  }
  if (!Notification.isSupported()) return;
  for (const n of show) {
    const note = new Notification({ title: n.title, body: n.body, urgency: n.urgent ? 'critical' : 'normal', timeoutType: n.urgent ? 'never' : 'default' });
    note.on('click', () => showWindow(null, n.noticeId));
    note.show();
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit(); // one tray per employee session
} else {
  app.on('second-instance', () => showWindow('notices'));
  app.whenReady().then(async () => {
    if (process.platform === 'darwin') app.dock?.hide(); // a menu-bar app
    const paths = trayPaths(process.platform, process.env.WARDEN_STATE_DIR);
    pages = await startTrayServer({ ...paths, webDir: WEB_DIR });
    tray = new Tray(icon('compliant'));
    shownState = 'compliant';
    tray.on('click', () => showWindow('notices'));
    refresh(paths);
    setInterval(() => refresh(paths), POLL_MS);
  });
  app.on('window-all-closed', () => {
    // A tray app keeps running with no window open.
  });
  app.on('before-quit', () => {
    void pages?.close();
  });
}
