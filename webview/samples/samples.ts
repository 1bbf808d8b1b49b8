// The bundled sample photos (public domain or CC0, see NOTICE.md): 160x160 JPEGs inlined into the
// webview bundle as bytes by esbuild, so they need no resource URI, fetch or CSP entry.
import astronaut from './astronaut.jpg';
import camera from './camera.jpg';
import cat from './cat.jpg';
import coffee from './coffee.jpg';

export interface Sample {
  name: string;
  credit: string;
  bytes: Uint8Array;
}

export const SAMPLES: readonly Sample[] = [
  { name: 'cat', credit: 'Chelsea the cat, CC0 (Stefan van der Walt), from scikit-image', bytes: cat },
  { name: 'coffee', credit: 'a cup of coffee, CC0 (Rachel Michetti), from scikit-image', bytes: coffee },
  { name: 'astronaut', credit: 'Eileen Collins, public domain (NASA), from scikit-image', bytes: astronaut },
  { name: 'camera', credit: 'a man with a camera, CC0 (Lav Varshney), from scikit-image', bytes: camera },
];
