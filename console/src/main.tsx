// The console's shell: asks the server who is signed in, then shows the sign-in page or the pages
// of the registry the user's role may see, with a keyboard-first layout (skip link, landmarks).
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { LocationProvider, Router, Route, useLocation } from 'preact-iso';
import { ApiError, api, session, type Session } from './api.ts';
import { SignIn } from './pages/sign-in.tsx';
import { pagesFor } from './pages/registry.ts';
import './style.css';

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        No console page here. <a href="/console/">Back to the overview</a>.
      </p>
    </>
  );
}

function Nav() {
  const { path } = useLocation();
  const s = session.value;
  if (!s) return null;
  return (
    <nav class="site-nav" aria-label="Console">
      <ul>
        {pagesFor(s.role)
          .filter((p) => p.nav)
          .map((p) => {
            const here = p.path === '/console/' ? path === '/console/' || path === '/console' : path.startsWith(p.path);
            return (
              <li key={p.path}>
                <a href={p.path} aria-current={here ? 'page' : undefined}>
                  {p.nav}
                </a>
              </li>
            );
          })}
      </ul>
    </nav>
  );
}

async function signOut(): Promise<void> {
  try {
    await api('DELETE', '/api/v1/auth/session');
  } finally {
    session.value = null;
  }
}

function Shell() {
  const s = session.value as Session;
  const { path } = useLocation();
  // Move focus to the page heading on navigation, so keyboard and screen-reader users land on it.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <a class="brand" href="/console/">
          warden
        </a>
        <Nav />
        <div class="who">
          <span data-role={s.role}>
            {s.username} <span class="muted">({s.role})</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Router>
          {[...pagesFor(s.role).map((p) => <Route key={p.path} path={p.path} component={p.component} />), <Route key="404" default component={NotFound} />]}
        </Router>
      </main>
    </>
  );
}

function App() {
  useEffect(() => {
    api<Session>('GET', '/api/v1/auth/session').then(
      (s) => {
        session.value = s;
      },
      (e: unknown) => {
        session.value = null;
        if (!(e instanceof ApiError) || e.status !== 401) console.error(e);
      },
    );
  }, []);
  if (session.value === undefined) return <p class="muted">Loading…</p>;
  if (session.value === null) return <SignIn />;
  return (
    <LocationProvider scope="/console">
      <Shell />
    </LocationProvider>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
