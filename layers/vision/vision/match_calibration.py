"""Written by layers/vision/calibrate_match.py (make calibrate-match); do not edit by hand.

Alignment: medians over 243 faces of the dev set's reference and live frames (HOG box vs BlazeFace
box; HOG box vs dlib's 5 points in it). Thresholds: MATCH = highest impostor similarity + 0.02
(rounded up to 0.005), REVIEW = impostor quantile 0.95 (rounded down), over 18829
impostor comparisons:
- photo pairs (faces/): 5653 pairs, max 0.566, p99 0.485
- reference vs reference: 378 pairs, max 0.573, p99 0.533
- live frame vs other references: 11718 pairs, max 0.627, p99 0.548
- fused session vs other references: 1080 pairs, max 0.608, p99 0.549
Leave-one-population-out: threshold from footage impostors alone 0.650: photo-pair FAR 0.00000; from photo impostors alone 0.590: footage FAR 0.00129.
"""

BLAZE_TO_DLIB_BOX = (0.9863, 0.9862, -0.0202, -0.0548)
LANDMARKS_TO_DLIB_BOX = (4.283, -0.0173, 0.5871)
MATCH_THRESHOLD = 0.65
REVIEW_THRESHOLD = 0.46
