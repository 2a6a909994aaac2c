// Charts (Chart.js on a canvas) with the numbers also in a table for screen readers and keyboards:
// the canvas is labelled and hidden from assistive technology, the table below it carries the data.
import { useEffect, useRef } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler);

const PALETTE = ['#2f6db5', '#d9822b', '#3c9d5d', '#b5443c', '#7a5bb5', '#6b7785', '#c2a33a', '#2a9d9d'];

export interface Series {
  label: string;
  values: number[];
  color?: string;
}

export function ChartBox({ title, kind, labels, series, stacked, id }: { title: string; kind: 'bar' | 'line'; labels: string[]; series: Series[]; stacked?: boolean; id: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration = {
      type: kind,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: s.color ?? PALETTE[i % PALETTE.length],
          borderColor: s.color ?? PALETTE[i % PALETTE.length],
          fill: kind === 'line' && stacked ? true : false,
          stepped: kind === 'line' ? ('before' as const) : undefined,
          pointRadius: kind === 'line' ? 2 : undefined,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: kind === 'bar' ? 'y' : 'x',
        plugins: { legend: { display: series.length > 1, position: 'bottom' } },
        scales: { x: { stacked: !!stacked, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: !!stacked, beginAtZero: true, ticks: { precision: 0 } } },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [kind, JSON.stringify(labels), JSON.stringify(series), stacked]);
  const height = kind === 'bar' ? Math.max(120, 26 * labels.length + 40) : 220;
  return (
    <figure class="chart" id={id}>
      <figcaption>{title}</figcaption>
      {/* CSSOM style (not a style attribute), which the Content-Security-Policy allows */}
      <div class="chart-canvas" style={{ height: `${height}px` }}>
        <canvas ref={canvas} role="img" aria-label={`${title} (chart; the same numbers are in the table below)`} />
      </div>
      <details>
        <summary>Numbers</summary>
        <table>
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{kind === 'line' ? 'time' : 'name'}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((l, i) => (
              <tr key={`${l}-${i}`}>
                <th scope="row">{l}</th>
                {series.map((s) => (
                  <td key={s.label}>{s.values[i] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
