// The payment code for a shop: a QR code and its text, valid two minutes for one basket
// (shops.proto, IssuePaymentCode). A new one is fetched before the old runs out, with a visible
// countdown and a warning shortly before; after a while unattended it is put away.
import { useEffect, useRef, useState } from 'preact/hooks';
import { encode } from 'uqr';

import { explain, isOffline, type Clients } from './api.js';
import { keepOfflineKey, makeOfflineCode } from './offline_code.js';
import type { Session } from './session.js';
import { Banner, useNow } from './shell.js';

// The code's life, as the contract states it (expires_at is two minutes after issuing).
const kCodeLifeMs = 120_000;
const kWarnBeforeMs = 30_000;
const kRefreshBeforeMs = 15_000;
// Shown this long without a tap, the code is put away (no code left lying on a screen).
const kShownMaxMs = 10 * 60_000;

interface Code {
  text: string;
  deadline: number; // local ms
  offline?: boolean; // made on the phone without a link (offline_code.ts)
}

// Also the board's checkpoint and a printed receipt (issue 20), with their own `label`.
export function QrCode(props: { text: string; label?: string }) {
  const qr = encode(props.text, { ecc: 'M', border: 2 });
  let d = '';
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return (
    <svg
      class="qr"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={props.label ?? '付款二维码'}
      shape-rendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

export function PayCode(props: { clients: Clients; session: Session }) {
  const [code, setCode] = useState<Code | null>(null);
  const [shownSince, setShownSince] = useState(0);
  const [problem, setProblem] = useState('');
  const fetching = useRef(false);
  const now = useNow(1000);

  const fetchCode = async () => {
    if (fetching.current) return;
    fetching.current = true;
    try {
      const asked = Date.now();
      const r = await props.clients.shops.issuePaymentCode({
        village: props.session.village,
        household: BigInt(props.session.household),
      });
      // The server's expires_at is by its clock; the phone's may be off by minutes. Counted
      // from the asking, the code's life is never overstated.
      setCode({ text: r.code, deadline: asked + kCodeLifeMs });
      keepOfflineKey(props.session, r.offlineKey);
      setProblem('');
    } catch (error) {
      // Without a link: a code made on the phone, which the shop's terminal takes offline.
      const offline = isOffline(error) ? await makeOfflineCode(props.session) : '';
      if (offline) {
        setCode({ text: offline, deadline: Date.now() + kCodeLifeMs, offline: true });
        setProblem('');
        return;
      }
      setProblem(explain(error).text);
    } finally {
      fetching.current = false;
    }
  };

  // From the clock itself: `now` is the last tick's, older than a code just received.
  const left = code ? code.deadline - Math.max(now, Date.now()) : 0;
  useEffect(() => {
    if (!shownSince) return;
    if (now - shownSince > kShownMaxMs) {
      setShownSince(0);
      setCode(null);
    } else if (!code || left <= kRefreshBeforeMs) {
      void fetchCode();
    }
  }, [now, shownSince]);

  if (!shownSince) {
    return (
      <div class="paycode">
        <p>在村积分超市或爱心商户买东西时，把付款码给店员扫一下。</p>
        <button
          type="button"
          class="primary"
          onClick={() => {
            setShownSince(Date.now());
            void fetchCode();
          }}
        >
          出示付款码
        </button>
      </div>
    );
  }
  const seconds = Math.max(0, Math.floor(left / 1000));
  return (
    <div class="paycode shown">
      {code && left > 0 ? (
        <>
          {code.offline && (
            <p class="offline-code">离线付款码：现在连不上网，店里的收银台也能收。</p>
          )}
          <QrCode text={code.text} />
          <p class="code-text" aria-label="付款码文字">
            {code.text}
          </p>
          <p class="countdown" aria-live="off">
            还能用{' '}
            <strong>
              {Math.floor(seconds / 60)}分{String(seconds % 60).padStart(2, '0')}秒
            </strong>
          </p>
          {left <= kWarnBeforeMs && (
            <Banner kind="offline">付款码快到期了，马上会自动换一个新的。</Banner>
          )}
        </>
      ) : (
        <p>{problem ? '' : '正在获取付款码…'}</p>
      )}
      {problem && <Banner kind="problem">{problem}</Banner>}
      <div class="row">
        <button type="button" onClick={() => void fetchCode()}>
          换一个
        </button>
        <button
          type="button"
          class="quiet"
          onClick={() => {
            setShownSince(0);
            setCode(null);
          }}
        >
          收起付款码
        </button>
      </div>
    </div>
  );
}
