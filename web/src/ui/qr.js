// A QR code, for the wall's join screen and for a person's own link to another device.

import { html } from '../../vendor/preact.js';
import { encode } from '../../vendor/qr.js';

/** A QR code of `text`, drawn as one SVG path of its dark modules. @param {{ text: string, label: string }} props */
export function QrCode({ text, label }) {
  const qr = encode(text, { ecc: 'M', border: 2 });
  let d = '';
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return html`<svg class="qr" viewBox=${`0 0 ${qr.size} ${qr.size}`} role="img" aria-label=${label} data-testid="qr" shape-rendering="crispEdges">
    <rect width=${qr.size} height=${qr.size} class="qr-bg" />
    <path d=${d} class="qr-fg" />
  </svg>`;
}
