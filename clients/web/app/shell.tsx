// What every page shares: the header with the elder-mode switch and sign-out, the sign-in form,
// the help line (in the same place on every page), banners for the connection and for problems.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { parseSignIn, type PageKind, type Session } from './session.js';

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

export function applyElderMode(): void {
  document.documentElement.classList.toggle('elder', localStorage.getItem(kElderKey) === '1');
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

const kSignInTitle: Record<PageKind, string> = {
  household: '登录我家的积分',
  board: '公示栏登录',
  shop: '收银台登录',
};

export function SignIn(props: {
  kind: PageKind;
  problem?: string;
  onSession: (s: Session) => void;
}) {
  const [code, setCode] = useState('');
  const [village, setVillage] = useState('1');
  const [household, setHousehold] = useState('');
  const [shop, setShop] = useState('1');
  const [error, setError] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    const text = code.includes('token=')
      ? code
      : `token=${code.trim()}&village=${village}&household=${household}&shop=${shop}`;
    const session = parseSignIn(text, props.kind);
    if (typeof session === 'string') setError(session);
    else props.onSession(session);
  };
  return (
    <main class="signin">
      <h2>{kSignInTitle[props.kind]}</h2>
      {props.problem && <Banner kind="problem">{props.problem}</Banner>}
      <p>
        用手机相机扫村委会给的二维码，或打开登录链接，就会自动登录。也可以把登录码粘贴在下面。登录后这台设备会记住，不用每次都输入。
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
        {!code.includes('token=') && (
          <div class="row">
            <label>
              村编号
              <input
                inputMode="numeric"
                value={village}
                onInput={(e) => setVillage((e.target as HTMLInputElement).value)}
              />
            </label>
            {props.kind === 'shop' && (
              <label>
                店号
                <input
                  inputMode="numeric"
                  value={shop}
                  onInput={(e) => setShop((e.target as HTMLInputElement).value)}
                />
              </label>
            )}
            {props.kind === 'household' && (
              <label>
                户号
                <input
                  inputMode="numeric"
                  value={household}
                  onInput={(e) => setHousehold((e.target as HTMLInputElement).value)}
                />
              </label>
            )}
          </div>
        )}
        {error && <Banner kind="problem">{error}</Banner>}
        <button type="submit" class="primary">
          登录
        </button>
      </form>
    </main>
  );
}
