// Compact counts for one-line summaries: "20.6K params", "0.6M MACs".

function oneDecimal(value: number): string {
  return (Math.round(value * 10) / 10).toFixed(1);
}

/** Parameter counts: 448, 20.6K, 11.7M, 1.2G. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  if (abs < 1e6) return `${oneDecimal(n / 1e3)}K`;
  if (abs < 1e9) return `${oneDecimal(n / 1e6)}M`;
  return `${oneDecimal(n / 1e9)}G`;
}

/** Multiply-accumulates, counted in millions from 100K up as papers do: 12.3K, 0.6M, 1.8G. */
export function formatMacs(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  if (abs < 1e5) return `${oneDecimal(n / 1e3)}K`;
  if (abs < 1e9) return `${oneDecimal(n / 1e6)}M`;
  return `${oneDecimal(n / 1e9)}G`;
}

/** Exact count with thousands separators for tables and hovers: 20,586. */
export function formatExact(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
