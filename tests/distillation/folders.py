"""Folders of images for the distillation tests."""

import cv2
import numpy as np


def write_folder(root, count=6):
    """``count`` PNG/JPEG images in nested folders, one broken JPEG and a text file."""
    for i in range(count):
        folder = root / ("a" if i % 2 else "b/c")
        folder.mkdir(parents=True, exist_ok=True)
        img = np.full((20 + i, 30, 3), 30 * i, np.uint8)
        cv2.imwrite(str(folder / f"{i}.{'png' if i % 2 else 'jpg'}"), img)
    (root / "a" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (root / "a" / "notes.txt").write_text("not an image")
    return root
