// Bar charts drawn from the numbers, no chart library (the console's bundle stays small): each
// bar is a line of text, its label and its value as written, over a bar in plain SVG (whose
// widths are attributes: pointsd's Content-Security-Policy allows no inline style). The text
// stays the page's size at a phone's width, on a large screen and on paper, and a screen reader
// reads the list as it is; the bars are only drawn.
export interface BarPart {
  value: number;
  kind: 'a' | 'b'; // the first or second series (legend)
}

export interface Bar {
  label: string;
  parts: BarPart[];
  text: string; // the value as written, e.g. 120分
}

// The bars' length in SVG units: the longest bar is this long.
const kWidth = 400;

export function BarChart(props: {
  id: string;
  title: string;
  bars: Bar[];
  empty: string;
  legend?: [BarPart['kind'], string][];
}) {
  const total = (b: Bar) => b.parts.reduce((sum, p) => sum + Math.max(0, p.value), 0);
  const max = Math.max(1, ...props.bars.map(total));
  return (
    <figure class="chart" data-testid={props.id}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      {props.bars.length === 0 && <p class="how">{props.empty}</p>}
      <ul class="bars">
        {props.bars.map((b) => {
          let x = 0;
          return (
            <li key={b.label} data-testid="chart-bar">
              <span class="bar-label">{b.label}</span>
              <span class="bar-value">{b.text}</span>
              <svg
                class="bar"
                viewBox={`0 0 ${kWidth} 10`}
                preserveAspectRatio="none"
                aria-hidden="true"
              >
                <rect x={0} y={0} width={kWidth} height={10} class="chart-track" />
                {b.parts.map((p, j) => {
                  const w = (Math.max(0, p.value) / max) * kWidth;
                  const rect = (
                    <rect key={j} x={x} y={0} width={w} height={10} class={`chart-bar-${p.kind}`} />
                  );
                  x += w;
                  return rect;
                })}
              </svg>
            </li>
          );
        })}
      </ul>
      {props.legend && props.bars.length > 0 && (
        <ul class="legend">
          {props.legend.map(([kind, words]) => (
            <li key={kind}>
              <svg viewBox="0 0 10 10" class="swatch" aria-hidden="true">
                <rect width={10} height={10} class={`chart-bar-${kind}`} />
              </svg>
              {words}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
