// The tray app's Electron shell, kept thin on purpose: it starts the local page server over the
// agent's state folder and shows its page in a window from a tray icon. Everything the employee sees
// lives in tray-app/web (tested in Chromium); Electron's binary cannot be downloaded in CI, so
// nothing here holds logic worth testing on its own.
import { app, BrowserWindow, Menu, Tray, nativeImage, shell } from 'electron';
import { startTrayServer, type TrayServer } from '../src/server.ts';
import { trayPaths } from '../src/paths.ts';

let tray: Tray | undefined;
let win: BrowserWindow | undefined;
let pages: TrayServer | undefined;

function showWindow(): void {
  if (!pages) return;
  if (!win || win.isDestroyed()) {
    win = new BrowserWindow({
      width: 760,
      height: 620,
      title: 'warden',
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    // The page talks only to its own loopback server; any other link opens in the default browser.
    win.webContents.setWindowOpenHandler(({ url }) => {
      void shell.openExternal(url);
      return { action: 'deny' };
    });
  }
  void win.loadURL(pages.url);
  win.show();
}

app.whenReady().then(async () => {
  pages = await startTrayServer(trayPaths(process.platform, process.env.WARDEN_STATE_DIR));
  tray = new Tray(nativeImage.createEmpty());
  tray.setToolTip('warden: AI tool policy');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show notices', click: showWindow },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
  tray.on('click', showWindow);
});

app.on('window-all-closed', () => {
  // A tray app keeps running with no window open.
});

app.on('before-quit', () => {
  void pages?.close();
});
