// The verify page (/verify, its own small bundle): anyone pastes a receipt and checks it in the
// browser, with no trust in the server: the county's signature on the ledger's checkpoint, any
// witnesses' cosignatures, and that the record is in the ledger (check.ts). The county's key is
// taken from the village's server when this device is signed in (GetCheckpoint), or typed; the
// page says to compare it with the one the county published.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { bearer, createClient } from '../../src/index.js';
import { ReceiptService } from '../../src/gen/points/v1/receipts_pb.js';
import { createConnectTransport } from '../../src/web.js';
import { fingerprint } from '../ledger.js'; // grouped as the board and the slips show it
import { loadSession } from '../session.js';
import { Header, Help } from '../shell.js';
import { verifyReceipt, type Result, type Verified } from './check.js';
import '../style.css';

// The county's key from the server this page came from, when a session lets us ask.
async function serverKey(): Promise<string> {
  const session = loadSession('household') ?? loadSession('board');
  if (!session) return '';
  const client = createClient(
    ReceiptService,
    createConnectTransport({
      baseUrl: location.origin,
      interceptors: [bearer(session.token)],
      defaultTimeoutMs: 10_000,
    }),
  );
  try {
    return (await client.getCheckpoint({})).publicKey;
  } catch {
    return '';
  }
}

function Outcome(props: { result: Result<Verified> }) {
  const r = props.result;
  if (!r.ok)
    return (
      <div class="verify-result bad" role="alert">
        <h2>没有通过核对</h2>
        <p>{r.why}</p>
      </div>
    );
  const v = r.value;
  const witnesses = v.cosigners.filter((c) => c.checked).map((c) => c.name);
  const unchecked = v.cosigners.filter((c) => !c.checked).map((c) => c.name);
  return (
    <div class="verify-result good" role="status">
      <h2>这条记录在村里的账本里，账本没有被改过</h2>
      <ul>
        <li>
          这是账本的第 {(v.index + 1n).toString()} 条记录（账本当时共 {v.size.toString()} 条）。
        </li>
        <li>
          账本指纹：<code>{fingerprint(v.root)}</code>（可以和公示栏上的指纹对一对）。
        </li>
        {witnesses.length > 0 && <li>见证人已核对：{witnesses.join('、')}。</li>}
        {unchecked.length > 0 && (
          <li>还有见证人的签名：{unchecked.join('、')}（没有填他们的公钥，所以没有核对）。</li>
        )}
      </ul>
    </div>
  );
}

function VerifyPage() {
  const params = new URLSearchParams(location.search);
  const [receipt, setReceipt] = useState('');
  const [key, setKey] = useState(params.get('key') ?? '');
  const [keySource, setKeySource] = useState(key ? '链接' : '');
  const [witnesses, setWitnesses] = useState('');
  const [result, setResult] = useState<Result<Verified> | null>(null);
  useEffect(() => {
    if (key) return;
    serverKey().then((k) => {
      if (!k) return;
      setKey((old) => old || k);
      setKeySource('本村服务器');
    });
  }, []);
  const check = () => setResult(verifyReceipt(receipt, key, witnesses.split('\n')));
  return (
    <>
      <Header title="核对积分凭证" />
      <main class="verify">
        <p>把凭证的全文贴到下面，点“核对”。核对在这台手机或电脑上进行，不用相信村里的服务器。</p>
        <label for="receipt">凭证全文</label>
        <textarea
          id="receipt"
          rows={10}
          value={receipt}
          spellcheck={false}
          onInput={(e) => setReceipt((e.target as HTMLTextAreaElement).value)}
        />
        <label for="key">县里的账本公钥</label>
        <input
          id="key"
          type="text"
          value={key}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => {
            setKey((e.target as HTMLInputElement).value);
            setKeySource('');
          }}
        />
        <p class="hint">
          {keySource ? `公钥取自${keySource}。` : ''}
          请把这串公钥和县里公布的（公示栏或县政府网站上的）一个字一个字对一下：只有公钥对得上，核对才算数。
        </p>
        <label for="witnesses">见证人的公钥（可以不填，一行一个）</label>
        <textarea
          id="witnesses"
          rows={2}
          value={witnesses}
          spellcheck={false}
          onInput={(e) => setWitnesses((e.target as HTMLTextAreaElement).value)}
        />
        <button type="button" class="primary" onClick={check}>
          核对
        </button>
        {result && <Outcome result={result} />}
      </main>
      <Help />
    </>
  );
}

document.title = '核对积分凭证';
render(<VerifyPage />, document.getElementById('app')!);
