"""MediaPipe FaceMesh (face_landmark.tflite, 468 points) on LiteRT, and the geometry read from it.

The region of interest follows MediaPipe's face_detection_front_detection_to_roi graph: the
detection box scaled by 1.5 around its centre, made square, rotated so the eyes are level.
"""

import threading
from dataclasses import dataclass

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from . import models
from .detector import Detection

INPUT_SIZE = 192
ROI_SCALE = 1.5  # MediaPipe face_detection_front_detection_to_roi: scale_x = scale_y = 1.5

# Mesh indices (MediaPipe canonical face mesh). "Image-left" is the subject's right side.
NOSE_TIP, CHIN = 1, 152
EYE_OUTER_L, EYE_OUTER_R = 33, 263  # image-left / image-right outer eye corners
MOUTH_L, MOUTH_R = 61, 291
# Six points per eye in the order of Soukupová & Čech (2016): p1 outer/inner corner, p2 p3 upper lid, p4 corner, p5 p6 lower lid.
EYE_IMG_LEFT = (33, 160, 158, 133, 153, 144)
EYE_IMG_RIGHT = (362, 385, 387, 263, 373, 380)
# Inner lip: corners and three vertical pairs (upper, lower).
LIP_CORNERS = (78, 308)
LIP_PAIRS = ((82, 87), (13, 14), (312, 317))

# Generic 3D head model (mm) for solvePnP, after Mallick, "Head Pose Estimation using OpenCV and Dlib"
# (learnopencv.com, 2016), converted to camera axes (x right, y down, z away from the camera).
_MODEL_3D = np.array(
    [
        (0.0, 0.0, 0.0),  # nose tip
        (0.0, 330.0, 65.0),  # chin
        (-225.0, -170.0, 135.0),  # image-left eye outer corner
        (225.0, -170.0, 135.0),  # image-right eye outer corner
        (-150.0, 150.0, 125.0),  # image-left mouth corner
        (150.0, 150.0, 125.0),  # image-right mouth corner
    ],
    np.float64,
)
_PNP_IDX = (NOSE_TIP, CHIN, EYE_OUTER_L, EYE_OUTER_R, MOUTH_L, MOUTH_R)


@dataclass
class Mesh:
    points: np.ndarray  # 468x3; x, y in image pixels, z in the same pixel scale (relative depth)
    score: float  # face presence probability from the mesh model

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]


class FaceMesher:
    def __init__(self, path: str, num_threads: int = 1):
        self._lock = threading.Lock()
        self._it = Interpreter(model_path=path, num_threads=num_threads)
        self._it.allocate_tensors()
        self._in = self._it.get_input_details()[0]["index"]
        outs = {int(np.prod(d["shape"])): d["index"] for d in self._it.get_output_details()}
        self._pts, self._flag = outs[1404], outs[1]

    def mesh(self, img_bgr: np.ndarray, det: Detection) -> Mesh:
        c = (det.box[:2] + det.box[2:]) / 2
        side = max(det.box[2] - det.box[0], det.box[3] - det.box[1]) * ROI_SCALE
        ex = det.keypoints[1] - det.keypoints[0]  # subject's right eye → left eye: image left → right
        n = np.linalg.norm(ex)
        ex = ex / n if n > 1e-6 else np.array([1.0, 0.0])
        ey = np.array([-ex[1], ex[0]])
        src = np.array([c - side / 2 * (ex + ey), c + side / 2 * (ex - ey), c + side / 2 * (ey - ex)], np.float32)
        dst = np.array([[0, 0], [INPUT_SIZE, 0], [0, INPUT_SIZE]], np.float32)
        m = cv2.getAffineTransform(src, dst)
        crop = cv2.warpAffine(img_bgr, m, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        x = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32)[None] / 255.0
        with self._lock:
            self._it.set_tensor(self._in, x)
            self._it.invoke()
            raw = self._it.get_tensor(self._pts).reshape(468, 3).copy()
            flag = float(self._it.get_tensor(self._flag).reshape(-1)[0])
        inv = cv2.invertAffineTransform(m)
        xy = raw[:, :2] @ inv[:, :2].T + inv[:, 2]
        z = raw[:, 2:3] * (side / INPUT_SIZE)
        return Mesh(np.hstack([xy, z]).astype(np.float32), float(1.0 / (1.0 + np.exp(-flag))))


def get_mesher() -> FaceMesher:
    return models.singleton("mesher", lambda: FaceMesher(str(models.model_path(models.MESH_FILE))))


def head_pose(mesh: Mesh, image_shape: tuple[int, ...]) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from solvePnP on six mesh points; 0, 0, 0 is facing the camera."""
    h, w = image_shape[:2]
    f = float(max(h, w))  # focal length ≈ image width: the usual assumption for an uncalibrated phone camera
    cam = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]], np.float64)
    pts = mesh.xy[list(_PNP_IDX)].astype(np.float64)
    # Start from a face looking at the camera at the distance its eye span implies; without a guess the
    # iterative solver can settle on the mirrored solution (roll ≈ 180°) for a near-frontal face.
    iod = float(np.linalg.norm(pts[2] - pts[3])) + 1e-6
    rvec0 = np.zeros((3, 1))
    tvec0 = np.array([[0.0], [0.0], [f * 450.0 / iod]])
    ok, rvec, _ = cv2.solvePnP(_MODEL_3D, pts, cam, None, rvec0, tvec0, True, cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return float("nan"), float("nan"), float("nan")
    rot, _ = cv2.Rodrigues(rvec)
    angles = cv2.RQDecomp3x3(rot)[0]
    pitch, yaw, roll = (float(a) for a in angles)
    return yaw, pitch, roll


def eye_aspect_ratio(mesh: Mesh) -> float:
    """Mean EAR of both eyes (Soukupová & Čech 2016): (|p2-p6| + |p3-p5|) / (2 |p1-p4|)."""
    xy = mesh.xy
    ears = []
    for idx in (EYE_IMG_LEFT, EYE_IMG_RIGHT):
        p = xy[list(idx)]
        ears.append((np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2 * np.linalg.norm(p[0] - p[3]) + 1e-6))
    return float(np.mean(ears))


def mouth_aspect_ratio(mesh: Mesh) -> float:
    """Mean inner-lip opening over three vertical pairs, divided by the inner mouth width."""
    xy = mesh.xy
    width = np.linalg.norm(xy[LIP_CORNERS[0]] - xy[LIP_CORNERS[1]]) + 1e-6
    return float(np.mean([np.linalg.norm(xy[a] - xy[b]) for a, b in LIP_PAIRS]) / width)


def inter_ocular(mesh: Mesh) -> float:
    return float(np.linalg.norm(mesh.xy[EYE_OUTER_L] - mesh.xy[EYE_OUTER_R]))
