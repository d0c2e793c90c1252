"""Build time only: dlib's face descriptor network (dlib_face_recognition_resnet_model_v1.dat) as ONNX.

The same network with the same weights, run by onnxruntime instead of dlib: the dlib-bin wheel's
`compute_face_descriptor` is built without BLAS or AVX (77.5 ms per 150x150 chip on one core of the
AVX-512 build machine) while onnxruntime's MLAS uses the CPU's vector units. Needs the `onnx`
package, which is a build dependency only (requirements/dev.txt); the vision package at run time
needs onnxruntime alone.

The .dat holds no layer types, only each layer's parameters in dlib's serialization
(dlib/serialize.h, dlib/dnn/core.h, layers.h, input.h, loss.h of dlib 20.0), so the parser follows
the network type of dlib's tools/python/src/face_recognition.cpp (= examples/dnn_face_recognition_ex.cpp):

    loss_metric<fc_no_bias<128, avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
        max_pool<3,3,2,2, relu<affine<con<32,7,7,2,2, input_rgb_image_sized<150>>>>>>>>>>>>>

and checks every version string, kernel size, stride, padding and tensor shape against it.

Semantics kept exactly: the input layer's (pixel - channel mean) / 256 with the means read from
the file; dlib's default paddings (stride != 1 → 0, else size/2); add_prev on tensors of different
shape zero-pads the smaller one at the end of each dimension (channels and the bottom/right edge:
ares_down's 2x2 average-pooled skip is larger than its strided 3x3 convolution at 8x8 and 4x4);
affine (frozen batch norm) is folded into the convolution it follows; the descriptor is fc_no_bias's
raw output (not normalised), as dlib returns it.

Run: `python layers/vision/dlib_resnet_onnx.py SRC.dat DST.onnx` (build_models.py calls convert()).
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHIP_SIZE = 150
INPUT_NAME = "chip"          # uint8 [N, 150, 150, 3], RGB, as dlib.get_face_chip returns it
OUTPUT_NAME = "descriptor"   # float32 [N, 128]
# Bump when the emitted graph changes for the same .dat, so build_models rebuilds a cached .onnx.
CONVERTER_VERSION = "1"
# onnxruntime 1.32 runs opset ≤ 23 and IR ≤ 11; every operator used here exists unchanged since opset 13.
OPSET = 17
IR_VERSION = 8


class DlibFormatError(ValueError):
    """The file is not dlib's face descriptor network as this converter knows it (truncated, corrupt, other net)."""


# ---------------------------------------------------------------------------------------------
# dlib's serialization primitives (dlib/serialize.h, dlib/cuda/tensor.h)


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def fail(self, what: str) -> DlibFormatError:
        return DlibFormatError(f"dlib .dat: {what} at byte {self.pos} of {len(self.data)}")

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise self.fail(f"file ends (truncated?) while reading {what}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self, what: str, signed: bool = True) -> int:
        # One control byte: bit 7 = negative (signed types), low 4 bits = count of little-endian bytes.
        ctrl = self.take(1, what)[0]
        size = ctrl & 0x0F
        if size == 0 or size > 8 or (ctrl & 0x70):
            raise self.fail(f"bad integer control byte 0x{ctrl:02x} for {what}")
        if ctrl & 0x80 and not signed:
            raise self.fail(f"negative value for unsigned {what}")
        v = int.from_bytes(self.take(size, what), "little")
        return -v if ctrl & 0x80 else v

    def uint(self, what: str) -> int:
        return self.int(what, signed=False)

    def string(self, what: str) -> str:
        n = self.uint(f"length of {what}")
        if n > 64:
            raise self.fail(f"implausible string length {n} for {what}")
        return self.take(n, what).decode("latin-1")

    def bool(self, what: str) -> bool:
        c = self.take(1, what)
        if c not in (b"0", b"1"):
            raise self.fail(f"bad bool {c!r} for {what}")
        return c == b"1"

    def float(self, what: str) -> float:
        # float_details: int64 mantissa, int16 exponent; value = mantissa * 2**exponent (32000.. = inf/-inf/nan).
        if self.pos < len(self.data) and self.data[self.pos] & 0x70:
            raise self.fail(f"{what} uses dlib's pre-2013 ASCII float format, not supported")
        mantissa = self.int(f"mantissa of {what}")
        exponent = self.int(f"exponent of {what}")
        if exponent >= 32000:
            raise self.fail(f"non-finite {what}")
        return float(np.ldexp(np.float64(mantissa), exponent))

    def version(self, what: str, allowed: tuple) -> object:
        v = self.int(f"version of {what}") if isinstance(allowed[0], int) else self.string(f"version of {what}")
        if v not in allowed:
            raise self.fail(f"unexpected version {v!r} for {what} (expected one of {allowed})")
        return v

    def tensor(self, what: str) -> np.ndarray:
        self.version(f"tensor {what}", (2,))
        shape = tuple(self.int(f"shape of {what}") for _ in range(4))
        if any(d < 0 for d in shape):
            raise self.fail(f"negative shape {shape} for {what}")
        n = int(np.prod(shape, dtype=np.int64))
        # Tensors are raw little-endian IEEE floats (version 2), not float_details.
        return np.frombuffer(self.take(4 * n, f"{n} floats of {what}"), "<f4").reshape(shape).astype(np.float32)

    def alias_tensor(self, what: str) -> tuple:
        self.version(f"alias_tensor {what}", (1,))
        return tuple(self.int(f"shape of {what}") for _ in range(4))


# ---------------------------------------------------------------------------------------------
# The network type, as a chain of layers from the loss down to the input (each layer has one
# subnetwork; tags and skips refer back by id).


@dataclass
class Layer:
    kind: str                      # input con affine relu max_pool avg_pool add_prev tag skip fc loss
    sub: Layer | None = None
    filters: int = 0               # con / fc outputs
    size: int = 0                  # con / pool window (0: the whole input)
    stride: int = 1
    tag: int = 0                   # tag / skip / add_prev id
    w: dict = field(default_factory=dict)  # what the file holds for this layer

    @property
    def padding(self) -> int:      # dlib's default: stride != 1 → 0, else size/2
        return 0 if self.stride != 1 else self.size // 2


def _con(n, k, s, sub): return Layer("con", sub, filters=n, size=k, stride=s)
def _affine(sub): return Layer("affine", sub)
def _relu(sub): return Layer("relu", sub)
def _tag(i, sub): return Layer("tag", sub, tag=i)
def _skip(i, sub): return Layer("skip", sub, tag=i)
def _add_prev(i, sub): return Layer("add_prev", sub, tag=i)
def _avg_pool(k, s, sub): return Layer("avg_pool", sub, size=k, stride=s)
def _block(n, stride, sub): return _affine(_con(n, 3, 1, _relu(_affine(_con(n, 3, stride, sub)))))
def _ares(n, sub): return _relu(_add_prev(1, _block(n, 1, _tag(1, sub))))
def _ares_down(n, sub): return _relu(_add_prev(2, _avg_pool(2, 2, _skip(1, _tag(2, _block(n, 2, _tag(1, sub)))))))


def network() -> Layer:
    x = Layer("input", size=CHIP_SIZE)
    x = Layer("max_pool", _relu(_affine(_con(32, 7, 2, x))), size=3, stride=2)
    for n, blocks in ((32, 3), (64, 4), (128, 3), (256, 3), (256, 1)):   # alevel4 .. alevel0
        first_down = n != 32
        for i in range(blocks):
            x = _ares_down(n, x) if first_down and i == 0 else _ares(n, x)
    x = Layer("avg_pool", x, size=0, stride=1)                           # avg_pool_everything
    return Layer("loss", Layer("fc", x, filters=128))


def _chain(top: Layer) -> list[Layer]:
    out = []
    while top is not None:
        out.append(top)
        top = top.sub
    return out


# ---------------------------------------------------------------------------------------------
# Parsing. dlib writes an add_layer as: version, its subnetwork, its own details, trailers; so the
# stream is every layer's head from the loss down, then every layer's body from the input up.

_DETAIL_VERSIONS = {
    "con": ("con_4", "con_5", "con_6"), "affine": ("affine_", "affine_2"),
    "relu": ("relu_", "relu_2"), "max_pool": ("max_pool_2",), "avg_pool": ("avg_pool_2",),
    "add_prev": ("add_prev_",), "fc": ("fc_2", "fc_3"),
}
_ADD_LAYERS = set(_DETAIL_VERSIONS)


def _read_head(r: _Reader, layer: Layer, idx: int) -> None:
    what = f"layer {idx} ({layer.kind})"
    if layer.kind == "loss":
        r.version(what, (1,))
        v = r.version(f"{what} details", ("loss_metric_", "loss_metric_2"))
        if v == "loss_metric_2":
            r.float("margin"), r.float("dist_thresh")
    elif layer.kind in ("tag", "skip"):
        r.version(what, (1,))
    elif layer.kind in _ADD_LAYERS:
        layer.w["add_layer_version"] = r.version(what, (2, 3) if layer.sub.kind == "input" else (1, 2))


def _read_input(r: _Reader, layer: Layer) -> None:
    r.version("input layer", ("input_rgb_image_sized",))
    layer.w["means"] = np.array([r.float("avg_red"), r.float("avg_green"), r.float("avg_blue")], np.float32)
    nr, nc = r.uint("input rows"), r.uint("input columns")
    if (nr, nc) != (CHIP_SIZE, CHIP_SIZE):
        raise r.fail(f"input is {nr}x{nc}, expected {CHIP_SIZE}x{CHIP_SIZE}")


def _expect(r: _Reader, what: str, got, want) -> None:
    if got != want:
        raise r.fail(f"{what} is {got}, expected {want}")


def _read_body(r: _Reader, layer: Layer, idx: int) -> None:
    what = f"layer {idx} ({layer.kind})"
    v = r.version(f"{what} details", _DETAIL_VERSIONS[layer.kind])
    if layer.kind == "con":
        params = r.tensor(f"{what} params")
        _expect(r, f"{what} num_filters", r.int("num_filters"), layer.filters)
        got = tuple(r.int(n) for n in ("nr", "nc", "stride_y", "stride_x", "padding_y", "padding_x"))
        want = (layer.size, layer.size, layer.stride, layer.stride, layer.padding, layer.padding)
        _expect(r, f"{what} (nr, nc, strides, paddings)", got, want)
        fshape, bshape = r.alias_tensor("filters"), r.alias_tensor("biases")
        for m in ("learning_rate", "weight_decay", "bias_learning_rate", "bias_weight_decay"):
            r.float(f"{m}_multiplier")
        use_bias = r.bool("use_bias") if v in ("con_5", "con_6") else True
        layer.w["relu"] = r.bool("use_relu") if v == "con_6" else False
        _expect(r, f"{what} filter count", fshape[0], layer.filters)
        nf = int(np.prod(fshape))
        nb = int(np.prod(bshape)) if use_bias else 0
        _expect(r, f"{what} params size", params.size, nf + nb)
        flat = params.reshape(-1)
        layer.w["W"] = flat[:nf].reshape(fshape)
        layer.w["B"] = flat[nf:].copy() if use_bias else np.zeros(layer.filters, np.float32)
    elif layer.kind == "affine":
        # (dlib would also read a training-time bn_con2 here; the published model holds affine_.)
        params = r.tensor(f"{what} params")
        g, b = r.alias_tensor("gamma"), r.alias_tensor("beta")
        layer.w["mode"] = r.int("mode")
        layer.w["disabled"] = r.bool("disabled") if v == "affine_2" else False
        if not layer.w["disabled"]:
            n = int(np.prod(g))
            _expect(r, f"{what} params size", params.size, n + int(np.prod(b)))
            flat = params.reshape(-1)
            layer.w["gamma"], layer.w["beta"] = flat[:n].copy(), flat[n:].copy()
        _expect(r, f"{what} mode (0: per channel)", layer.w["mode"], 0)
    elif layer.kind == "relu":
        layer.w["disabled"] = r.bool("disabled") if v == "relu_2" else False
    elif layer.kind in ("max_pool", "avg_pool"):
        got = tuple(r.int(n) for n in ("nr", "nc", "stride_y", "stride_x", "padding_y", "padding_x"))
        want = (layer.size, layer.size, layer.stride, layer.stride, layer.padding, layer.padding)
        _expect(r, f"{what} (nr, nc, strides, paddings)", got, want)
    elif layer.kind == "fc":
        _expect(r, f"{what} num_outputs", r.uint("num_outputs"), layer.filters)
        num_inputs = r.uint("num_inputs")
        params = r.tensor(f"{what} params")
        wshape, _ = r.alias_tensor("weights"), r.alias_tensor("biases")
        _expect(r, f"{what} bias mode (1: fc_no_bias)", r.int("bias_mode"), 1)
        for m in ("learning_rate", "weight_decay", "bias_learning_rate", "bias_weight_decay"):
            r.float(f"{m}_multiplier")
        if v == "fc_3":
            r.bool("use_bias")
        _expect(r, f"{what} weights shape", wshape[:2], (num_inputs, layer.filters))
        _expect(r, f"{what} params size", params.size, num_inputs * layer.filters)
        layer.w["W"] = params.reshape(num_inputs, layer.filters)   # output = input · W


def _read_trailer(r: _Reader, layer: Layer, idx: int) -> None:
    what = f"layer {idx} ({layer.kind})"
    for n in ("this_layer_setup_called", "gradient_input_is_stale", "get_output_and_gradient_input_disabled"):
        r.bool(f"{what} {n}")
    r.tensor(f"{what} x_grad"), r.tensor(f"{what} cached_output")
    if layer.sub.kind == "input":
        r.tensor(f"{what} grad_final")
        if layer.w["add_layer_version"] == 3:
            r.uint("sample_expansion_factor")
    elif layer.w["add_layer_version"] == 2:
        r.tensor(f"{what} params_grad")


def parse(data: bytes) -> Layer:
    """The network with every layer's parameters from a .dat's bytes; DlibFormatError if anything does not fit."""
    top = network()
    chain = _chain(top)
    r = _Reader(data)
    for i, layer in enumerate(chain):
        _read_head(r, layer, i)
    for i in range(len(chain) - 1, -1, -1):
        layer = chain[i]
        if layer.kind == "input":
            _read_input(r, layer)
        elif layer.kind in _ADD_LAYERS:
            _read_body(r, layer, i)
            _read_trailer(r, layer, i)
    if r.pos != len(data):
        raise r.fail(f"{len(data) - r.pos} bytes left after the network")
    return top


# ---------------------------------------------------------------------------------------------
# ONNX emission


def to_onnx(top: Layer, doc: str = ""):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = iter(range(10**6))

    def name(prefix: str) -> str:
        return f"{prefix}_{next(counter)}"

    def const(prefix: str, arr) -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def node(op: str, inputs: list, **attrs) -> str:
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    chain = _chain(top)[::-1]           # input first
    cur, shape = None, None             # tensor name, (C, H, W)
    tags: dict[int, tuple] = {}
    folded = set()
    for i, layer in enumerate(chain):
        k = layer.kind
        if k == "input":
            x = node("Cast", [INPUT_NAME], to=TensorProto.FLOAT)
            x = node("Sub", [x, const("means", layer.w["means"])])
            x = node("Mul", [x, const("inv256", np.float32(1 / 256))])   # exact: a power of two
            cur, shape = node("Transpose", [x], perm=[0, 3, 1, 2]), (3, CHIP_SIZE, CHIP_SIZE)
        elif k == "con":
            W, B = layer.w["W"], layer.w["B"]
            nxt = chain[i + 1]
            if nxt.kind == "affine" and not nxt.w["disabled"] and not layer.w["relu"]:
                g, b = nxt.w["gamma"], nxt.w["beta"]
                W = (W * g[:, None, None, None]).astype(np.float32)
                B = (B * g + b).astype(np.float32)
                folded.add(id(nxt))
            _expect_shape(W.shape[1], shape[0], i)
            p, s, ks = layer.padding, layer.stride, layer.size
            cur = node("Conv", [cur, const("W", W), const("B", B)], kernel_shape=[ks, ks], strides=[s, s], pads=[p] * 4)
            shape = (layer.filters, (shape[1] + 2 * p - ks) // s + 1, (shape[2] + 2 * p - ks) // s + 1)
            if layer.w["relu"]:
                cur = node("Relu", [cur])
        elif k == "affine":
            if id(layer) not in folded and not layer.w["disabled"]:
                cur = node("Mul", [cur, const("gamma", layer.w["gamma"].reshape(1, -1, 1, 1))])
                cur = node("Add", [cur, const("beta", layer.w["beta"].reshape(1, -1, 1, 1))])
        elif k == "relu":
            if not layer.w["disabled"]:
                cur = node("Relu", [cur])
        elif k in ("max_pool", "avg_pool"):
            if layer.size == 0:
                cur = node("GlobalMaxPool" if k == "max_pool" else "GlobalAveragePool", [cur])
                shape = (shape[0], 1, 1)
            else:
                p, s, ks = layer.padding, layer.stride, layer.size
                extra = {"count_include_pad": 0} if k == "avg_pool" else {}   # dlib averages real pixels only
                cur = node("MaxPool" if k == "max_pool" else "AveragePool", [cur], kernel_shape=[ks, ks],
                           strides=[s, s], pads=[p] * 4, **extra)
                shape = (shape[0], (shape[1] + 2 * p - ks) // s + 1, (shape[2] + 2 * p - ks) // s + 1)
        elif k == "tag":
            tags[layer.tag] = (cur, shape)
        elif k == "skip":
            cur, shape = tags[layer.tag]
        elif k == "add_prev":
            # dlib's tt::add: the output has the larger of each dimension; a missing element counts as 0.
            other, oshape = tags[layer.tag]
            out = tuple(max(a, b) for a, b in zip(shape, oshape))
            terms = []
            for t, sh in ((cur, shape), (other, oshape)):
                if sh != out:
                    pads = [0, 0, 0, 0, 0] + [o - d for o, d in zip(out, sh)]
                    t = node("Pad", [t, const("pads", np.array(pads, np.int64))], mode="constant")
                terms.append(t)
            cur, shape = node("Add", terms), out
        elif k == "fc":
            _expect_shape(layer.w["W"].shape[0], int(np.prod(shape)), i)
            x = node("Flatten", [cur], axis=1)
            cur, shape = node("MatMul", [x, const("fc", layer.w["W"])]), (layer.filters,)
        elif k == "loss":
            nodes.append(helper.make_node("Identity", [cur], [OUTPUT_NAME], name="descriptor"))
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.UINT8, ["N", CHIP_SIZE, CHIP_SIZE, 3])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", 128])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="pensioncert dlib_resnet_onnx", producer_version=CONVERTER_VERSION,
                              doc_string=doc)
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def _expect_shape(got: int, want: int, idx: int) -> None:
    if got != want:
        raise DlibFormatError(f"dlib .dat: layer {idx} expects {got} inputs, the layer below gives {want}")


def source_digest(src: Path) -> str:
    return hashlib.sha256(Path(src).read_bytes()).hexdigest()


def convert(src: Path, dst: Path) -> Path:
    """Write dst (.onnx) from dlib's src (.dat), atomically; metadata records the source's sha256."""
    from onnx import helper

    data = Path(src).read_bytes()
    model = to_onnx(parse(data), doc=f"Converted from {Path(src).name} (dlib, CC0) by layers/vision/dlib_resnet_onnx.py")
    helper.set_model_props(model, {"source": Path(src).name, "source_sha256": hashlib.sha256(data).hexdigest(),
                                   "converter_version": CONVERTER_VERSION})
    dst = Path(dst)
    # A unique temporary name: parallel test sessions may each run build_models at once.
    with tempfile.NamedTemporaryFile(dir=dst.parent, prefix=dst.name, suffix=".tmp", delete=False) as tmp:
        tmp.write(model.SerializeToString())
    Path(tmp.name).replace(dst)
    return dst


def is_current(src: Path, dst: Path) -> bool:
    """dst exists, loads, and was converted from this very src by this converter version."""
    import onnx

    if not Path(dst).is_file():
        return False
    try:
        props = {p.key: p.value for p in onnx.load(str(dst)).metadata_props}
    except Exception:  # noqa: BLE001 - a file onnx cannot load is not current: it is converted again
        return False
    return props.get("converter_version") == CONVERTER_VERSION and props.get("source_sha256") == source_digest(src)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python layers/vision/dlib_resnet_onnx.py SRC.dat DST.onnx")
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))
