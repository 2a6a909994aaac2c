// Sign-in with a warden account (admin, policy-editor or auditor). The server sets an HttpOnly
// session cookie; the page only learns the user, role and CSRF token.
import { useState } from 'preact/hooks';
import { api, session, type Session } from '../api.ts';

export function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      session.value = await api<Session>('POST', '/api/v1/auth/session', { username, password });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>warden console</h1>
      <p class="muted">Sign in with your warden account.</p>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label for="username">Username</label>
        <input id="username" name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
