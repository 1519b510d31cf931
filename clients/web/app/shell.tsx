// What every page shares: the header with the elder-mode switch and sign-out, the sign-in form,
// the help line (in the same place on every page), banners for the connection and for problems.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import type { PageKind } from './session.js';

const kElderKey = 'points.elder';

// The switch takes effect and is stored at once (an effect would run after the paint, and a
// reload right after the tap would forget it); read from storage on every render, so the
// sign-in page and the household's page agree.
export function useElderMode(): [boolean, (on: boolean) => void] {
  const [, rerender] = useState(0);
  const set = (on: boolean) => {
    localStorage.setItem(kElderKey, on ? '1' : '0');
    applyElderMode();
    rerender((n) => n + 1);
  };
  return [localStorage.getItem(kElderKey) === '1', set];
}

// The switch also goes in a cookie while it is on, for pointsd to paint the household's page
// in elder mode before its script arrives (server/http/first_paint.h); it says nothing else.
const kElderCookie = 'points_elder';
const kElderCookieMaxAgeSeconds = 400 * 24 * 3600; // Chromium's longest; renewed at each open

export function applyElderMode(): void {
  const on = localStorage.getItem(kElderKey) === '1';
  document.documentElement.classList.toggle('elder', on);
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  const age = on ? kElderCookieMaxAgeSeconds : 0;
  document.cookie = `${kElderCookie}=${on ? '1' : ''}; Path=/; SameSite=Strict; Max-Age=${age}${secure}`;
}

// Re-renders every `ms`, for countdowns and clocks.
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function Header(props: {
  title: string;
  elder?: boolean;
  onElder?: (on: boolean) => void;
  onSignOut?: () => void;
}) {
  return (
    <header class="top no-print">
      <h1>{props.title}</h1>
      <div class="top-actions">
        {props.onElder && (
          <button
            type="button"
            class="switch"
            aria-pressed={props.elder ? 'true' : 'false'}
            onClick={() => props.onElder?.(!props.elder)}
          >
            {props.elder ? '长辈版：开' : '长辈版：关'}
          </button>
        )}
        {props.onSignOut && (
          <button type="button" class="quiet" onClick={props.onSignOut}>
            退出登录
          </button>
        )}
      </div>
    </header>
  );
}

export function Help() {
  return <footer class="help">有不明白的地方，请找村委会或本网格的网格员帮忙。</footer>;
}

export function Banner(props: {
  kind: 'offline' | 'problem' | 'done';
  children: ComponentChildren;
}) {
  return (
    <p class={`banner ${props.kind}`} role={props.kind === 'done' ? 'status' : 'alert'}>
      {props.children}
    </p>
  );
}

const kSignInTitle: Record<SignInPage, string> = {
  household: '登录我家的积分',
  board: '公示栏登录',
  shop: '收银台登录',
  console: '村委会、网格员登录',
};

export type SignInPage = PageKind | 'console';

// The sign-in form: a pasted token or sign-in link, or a link's fragment (`link`) checked at once
// as if pasted. `check` signs in with the text and answers '' or what went wrong. Only the board
// asks for its village; every other page learns from the server whose token it is.
export function SignIn(props: {
  kind: SignInPage;
  problem?: string;
  link?: string;
  check: (text: string) => Promise<string>;
}) {
  const [code, setCode] = useState('');
  const [village, setVillage] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const board = props.kind === 'board';
  const run = async (text: string) => {
    setBusy(true);
    setError('');
    const problem = await props.check(text);
    if (!problem) return; // signed in: this form is gone
    setError(problem);
    setBusy(false);
  };
  useEffect(() => {
    if (props.link) void run(props.link);
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    void run(board && !code.includes('token=') ? `token=${code.trim()}&village=${village}` : code);
  };
  return (
    <main class="signin">
      <h2>{kSignInTitle[props.kind]}</h2>
      {props.problem && <Banner kind="problem">{props.problem}</Banner>}
      <p>
        {props.kind === 'console'
          ? '打开村里给你的登录链接就会自动登录；也可以把登录码或整段登录链接粘贴在下面。这台电脑会记住，用完请退出登录。'
          : '用手机相机扫村委会给的二维码，或打开登录链接，就会自动登录。也可以把登录码粘贴在下面。登录后这台设备会记住，不用每次都输入。'}
      </p>
      <form onSubmit={submit}>
        <label for="code">登录码或登录链接</label>
        <textarea
          id="code"
          rows={3}
          value={code}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setCode((e.target as HTMLTextAreaElement).value)}
        />
        {board && !code.includes('token=') && (
          <div class="row">
            <label>
              村编号
              <input
                inputMode="numeric"
                value={village}
                onInput={(e) => setVillage((e.target as HTMLInputElement).value)}
              />
            </label>
          </div>
        )}
        {busy && <p role="status">正在核对登录码……</p>}
        {error && <Banner kind="problem">{error}</Banner>}
        <button type="submit" class="primary" disabled={busy}>
          登录
        </button>
      </form>
    </main>
  );
}
