"""save_figure: one resolution, format from the file name, no timestamp or version in the file."""

from __future__ import annotations

import struct
import zlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from csc_inequalities.figures import DPI, save_figure


def _figure():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1, 2], [1, 0, 2], label="a line")
    ax.set_title("same figure")
    ax.legend()
    return fig


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_png_at_the_policy_resolution_without_software_or_time(tmp_path):
    path = save_figure(_figure(), tmp_path / "a" / "b" / "figure.png")  # folders created
    assert path == tmp_path / "a" / "b" / "figure.png"
    chunks = _png_chunks(path.read_bytes())
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == (2 * DPI, 1 * DPI)
    kinds = [kind for kind, _ in chunks]
    assert b"tIME" not in kinds
    text = [body.split(b"\0", 1)[0] for kind, body in chunks if kind in (b"tEXt", b"iTXt", b"zTXt")]
    assert b"Software" not in text


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_the_same_figure_gives_the_same_bytes(tmp_path, suffix):
    first = save_figure(_figure(), tmp_path / f"first{suffix}").read_bytes()
    second = save_figure(_figure(), tmp_path / f"second{suffix}").read_bytes()
    assert first == second
    assert b"Matplotlib v" not in first and b"matplotlib.org" not in first.lower()


def test_the_figure_is_closed_once_saved(tmp_path):
    fig = _figure()
    save_figure(fig, tmp_path / "figure.png")
    assert not plt.fignum_exists(fig.number)


def test_an_unknown_format_is_an_error_naming_the_file(tmp_path):
    fig = _figure()
    with pytest.raises(ValueError) as error:
        save_figure(fig, tmp_path / "figure.jpg")
    assert str(error.value) == f"{tmp_path / 'figure.jpg'}: a figure is saved as one of .png, .svg, .pdf, not '.jpg'"
    assert not (tmp_path / "figure.jpg").exists()
    plt.close(fig)
