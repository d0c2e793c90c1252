"""What the API function and the vision function agree on, in one place both ship: image limits and
the header walk that enforces them before anything decodes an image (images.py), the challenge names
and a step's frame counts (steps.py); the review band travels as a field of vision's refusal. Pure Python, no dependencies:
the API function has no OpenCV, and the vision function imports nothing of the domain."""
