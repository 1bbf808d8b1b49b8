"""Makes the preview's bundled sample images from scikit-image's sample data (Debian's python3-skimage).

Each photo is public domain or CC0 (see NOTICE.md); it is centre-cropped to a square and saved as a
160x160 JPEG, small enough to bundle. Run again only to change the set:

    cd /tmp && apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb skimage-deb
    /usr/bin/python3 webview/samples/make-samples.py /tmp/skimage-deb/usr/lib/python3/dist-packages/skimage/data
"""
import os
import sys

from PIL import Image

SIDE = 160
# bundled name -> scikit-image file
PHOTOS = {
    'cat': 'chelsea.png',
    'coffee': 'coffee.png',
    'astronaut': 'astronaut.png',
    'camera': 'camera.png',
}


def main(data_dir: str) -> None:
    out_dir = os.path.dirname(os.path.abspath(__file__))
    for name, source in PHOTOS.items():
        image = Image.open(os.path.join(data_dir, source))
        image = image.convert('L' if image.mode in ('L', 'I', 'I;16') else 'RGB')
        w, h = image.size
        side = min(w, h)
        box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
        image = image.crop(box).resize((SIDE, SIDE), Image.LANCZOS)
        path = os.path.join(out_dir, f'{name}.jpg')
        image.save(path, 'JPEG', quality=85, optimize=True)
        print(f'{path}: {image.mode} {SIDE}x{SIDE}, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    main(sys.argv[1])
