// A recording stand-in for the parts of Electron's API the tray's main process uses (Electron's
// binary cannot be downloaded on this machine). Every call is written to stdout as one JSON line, so
// a test can check what the shell did: the icon, tooltip, menu and notifications it produced.
const log = (call, args) => process.stdout.write(`${JSON.stringify({ call, args })}\n`);
const menuLabels = (template) => template.map((i) => (i.type === 'separator' ? '---' : `${i.enabled === false ? '(disabled) ' : ''}${i.label}`));

export const app = {
  requestSingleInstanceLock: () => true,
  on: () => undefined,
  whenReady: () => Promise.resolve(),
  quit: () => {
    log('app.quit', []);
    process.exit(0);
  },
  dock: { hide: () => undefined },
};

export class BrowserWindow {
  constructor(opts) {
    log('BrowserWindow', [opts]);
    this.webContents = { setWindowOpenHandler: () => undefined, on: () => undefined };
  }
  isDestroyed() {
    return false;
  }
  loadURL(url) {
    log('BrowserWindow.loadURL', [url]);
    return Promise.resolve();
  }
  show() {}
  focus() {}
}

export const Menu = {
  buildFromTemplate: (template) => {
    log('Menu.buildFromTemplate', menuLabels(template));
    return { template };
  },
};

export class Notification {
  static isSupported() {
    return true;
  }
  constructor(opts) {
    this.opts = opts;
  }
  on() {}
  show() {
    log('Notification.show', [this.opts]);
  }
}

export const nativeImage = {
  createFromBuffer: (buf) => ({ bytes: buf.length, png: buf.subarray(1, 4).toString('latin1'), addRepresentation: () => undefined }),
};

export class Tray {
  constructor(image) {
    log('Tray', [image.png]);
    this.handlers = {};
  }
  setImage(image) {
    log('Tray.setImage', [image.png, image.bytes]);
  }
  setToolTip(text) {
    log('Tray.setToolTip', [text]);
  }
  setContextMenu(menu) {
    log('Tray.setContextMenu', [menu.template.length]);
  }
  on(event, fn) {
    this.handlers[event] = fn;
    if (event === 'click' && process.env.FAKE_ELECTRON_CLICK) setTimeout(fn, 50);
  }
}

export const shell = { openExternal: (url) => log('shell.openExternal', [url]) };
