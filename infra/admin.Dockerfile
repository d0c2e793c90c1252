# The agency admin as a Lambda container image: admin_dash/wsgi.py's ``handler`` (apig-wsgi around
# the same WSGI app gunicorn serves locally). An image, not a zip: Dash, plotly and pandas with
# numpy come to ~200 MB unzipped, at the edge of Lambda's 250 MB zip limit.
# Photos are modelled by the vision function (PC_VISION_MODE=lambda): no vision package here.
#
# Build from the repository root:
#   docker build --platform linux/amd64 -f infra/admin.Dockerfile -t pensioncert-admin .
# (`make admin-image`; push it to ECR and pass its URI as AdminImageUri: docs/operations.md.)
FROM public.ecr.aws/lambda/python:3.11

COPY functions/requirements.txt /tmp/api-requirements.txt
COPY requirements/admin.txt /tmp/admin-requirements.txt
RUN sed -i 's#^-r .*##' /tmp/admin-requirements.txt \
    && pip install --no-cache-dir --only-binary=:all: -r /tmp/api-requirements.txt \
        -r /tmp/admin-requirements.txt --target "${LAMBDA_TASK_ROOT}" \
    && rm -rf "${LAMBDA_TASK_ROOT}/bin" /tmp/*-requirements.txt

COPY pensioncert/ ${LAMBDA_TASK_ROOT}/pensioncert/
COPY vision_contract/ ${LAMBDA_TASK_ROOT}/vision_contract/
COPY admin_dash/ ${LAMBDA_TASK_ROOT}/admin_dash/

# The Dash app is built at import (admin_dash/wsgi.py), billed to the init phase.
CMD ["admin_dash.wsgi.handler"]
