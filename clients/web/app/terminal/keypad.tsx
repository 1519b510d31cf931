// A household without a smartphone pays with its printed card (ShopService.IssueCard): the
// shopkeeper keys in the household's number and the card's number, and the customer the PIN, on
// an on-screen keypad (the PIN shown as dots, never in a field the browser could remember). The
// server checks the card and PIN when the basket arrives (payment_book.h: five wrong PINs lock
// the card for 15 minutes), so a card pays online only (OFFLINE.md, "Left for later").
import { useState } from 'preact/hooks';

// payment_book.h: kCardNumberDigits, kPinDigitsMin..kPinDigitsMax.
const kCardDigits = 12;
const kPinMin = 4;
const kPinMax = 8;
const kHouseholdDigitsMax = 9;

export interface CardConsent {
  household: number;
  card: string;
  pin: string;
}

type Step = 'household' | 'card' | 'pin';

const kSteps: Record<Step, { label: string; hint: string; max: number }> = {
  household: { label: '户号', hint: '卡上印的户号', max: kHouseholdDigitsMax },
  card: { label: '卡号', hint: `卡上印的${kCardDigits}位卡号`, max: kCardDigits },
  pin: { label: '密码', hint: `请顾客自己按${kPinMin}到${kPinMax}位密码`, max: kPinMax },
};

function ready(step: Step, digits: string): boolean {
  if (step === 'household') return digits.length > 0 && Number(digits) > 0;
  if (step === 'card') return digits.length === kCardDigits;
  return digits.length >= kPinMin;
}

export function CardKeypad(props: { onCard: (c: CardConsent) => void; onClose: () => void }) {
  const [step, setStep] = useState<Step>('household');
  const [digits, setDigits] = useState<Record<Step, string>>({ household: '', card: '', pin: '' });
  const now = digits[step];
  const { label, hint, max } = kSteps[step];
  const press = (d: string) => {
    if (now.length < max) setDigits({ ...digits, [step]: now + d });
  };
  const next = () => {
    if (!ready(step, now)) return;
    if (step === 'household') setStep('card');
    else if (step === 'card') setStep('pin');
    else props.onCard({ household: Number(digits.household), card: digits.card, pin: now });
  };
  const shown = step === 'pin' ? '●'.repeat(now.length) : now;
  return (
    <div class="keypad" role="group" aria-labelledby="keypad-label">
      <p id="keypad-label" class="keypad-label">
        用卡付款：{label}
      </p>
      <p class="keypad-hint">{hint}</p>
      <output class="keypad-shown" aria-label={`已输入的${label}`} data-testid="keypad-shown">
        {shown || ' '}
      </output>
      <div class="keypad-keys">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <button key={d} type="button" onClick={() => press(d)}>
            {d}
          </button>
        ))}
        <button
          type="button"
          aria-label="全部清除"
          onClick={() => setDigits({ ...digits, [step]: '' })}
        >
          清除
        </button>
        <button type="button" onClick={() => press('0')}>
          0
        </button>
        <button
          type="button"
          aria-label="删掉一位"
          onClick={() => setDigits({ ...digits, [step]: now.slice(0, -1) })}
        >
          ⌫
        </button>
      </div>
      <div class="row">
        <button type="button" class="primary" disabled={!ready(step, now)} onClick={next}>
          {step === 'pin' ? '确认密码' : '下一步'}
        </button>
        <button type="button" onClick={props.onClose}>
          不用卡了
        </button>
      </div>
    </div>
  );
}
